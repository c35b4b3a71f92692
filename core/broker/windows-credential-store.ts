import { runTool } from './run-tool.js';
import { STORE_SERVICE, SecretStoreError, type SecretStore } from './secret-store.js';

/**
 * Windows Credential Manager (generic credentials named "belay:NAME") through PowerShell
 * calling advapi32's CredWrite/CredRead/CredDelete. The script travels as
 * -EncodedCommand; the value only on stdin. UNTESTED: Belay's CI has no Windows; written
 * from the Win32 CREDENTIAL documentation.
 */
const CRED_API = `
Add-Type -Namespace Belay -Name Cred -MemberDefinition @'
[StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
public struct CREDENTIAL { public int Flags; public int Type; public string TargetName; public string Comment;
  public System.Runtime.InteropServices.ComTypes.FILETIME LastWritten; public int CredentialBlobSize; public IntPtr CredentialBlob;
  public int Persist; public int AttributeCount; public IntPtr Attributes; public string TargetAlias; public string UserName; }
[DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)] public static extern bool CredWrite(ref CREDENTIAL c, int flags);
[DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)] public static extern bool CredRead(string target, int type, int flags, out IntPtr c);
[DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)] public static extern bool CredDelete(string target, int type, int flags);
[DllImport("advapi32.dll")] public static extern void CredFree(IntPtr c);
'@
`;

function script(op: 'set' | 'get' | 'delete', target: string): string {
  const t = `'${target.replace(/'/g, "''")}'`;
  switch (op) {
    case 'set':
      return `${CRED_API}
$v = [Console]::In.ReadToEnd(); $b = [Text.Encoding]::Unicode.GetBytes($v); $p = [Runtime.InteropServices.Marshal]::AllocHGlobal($b.Length)
[Runtime.InteropServices.Marshal]::Copy($b, 0, $p, $b.Length)
$c = New-Object Belay.Cred+CREDENTIAL; $c.Type = 1; $c.TargetName = ${t}; $c.CredentialBlobSize = $b.Length; $c.CredentialBlob = $p; $c.Persist = 2; $c.UserName = 'belay'
$ok = [Belay.Cred]::CredWrite([ref]$c, 0); [Runtime.InteropServices.Marshal]::FreeHGlobal($p)
if (-not $ok) { [Console]::Error.WriteLine("CredWrite failed: " + [Runtime.InteropServices.Marshal]::GetLastWin32Error()); exit 1 }`;
    case 'get':
      return `${CRED_API}
$p = [IntPtr]::Zero
if (-not [Belay.Cred]::CredRead(${t}, 1, 0, [ref]$p)) { $e = [Runtime.InteropServices.Marshal]::GetLastWin32Error(); if ($e -eq 1168) { exit 44 }; [Console]::Error.WriteLine("CredRead failed: $e"); exit 1 }
$c = [Runtime.InteropServices.Marshal]::PtrToStructure($p, [type][Belay.Cred+CREDENTIAL])
$s = [Runtime.InteropServices.Marshal]::PtrToStringUni($c.CredentialBlob, $c.CredentialBlobSize / 2); [Belay.Cred]::CredFree($p)
[Console]::Out.Write($s)`;
    case 'delete':
      return `${CRED_API}
if (-not [Belay.Cred]::CredDelete(${t}, 1, 0)) { $e = [Runtime.InteropServices.Marshal]::GetLastWin32Error(); if ($e -eq 1168) { exit 44 }; [Console]::Error.WriteLine("CredDelete failed: $e"); exit 1 }`;
  }
}

export class WindowsCredentialStore implements SecretStore {
  readonly kind = 'credential-manager' as const;
  readonly description = 'Windows Credential Manager (untested)';

  private async run(op: 'set' | 'get' | 'delete', name: string, input?: string) {
    const encoded = Buffer.from(script(op, `${STORE_SERVICE}:${name}`), 'utf16le').toString('base64');
    return runTool('powershell.exe', ['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded], { input, timeoutMs: 20_000 });
  }

  async set(name: string, value: string): Promise<void> {
    const r = await this.run('set', name, value);
    if (r.code !== 0) throw new SecretStoreError(`Could not store key "${name}" in Credential Manager: ${r.stderr.trim() || `exit ${r.code}`}`);
  }

  async get(name: string): Promise<string | undefined> {
    const r = await this.run('get', name);
    if (r.code === 44) return undefined;
    if (r.code !== 0) throw new SecretStoreError(`Could not read key "${name}" from Credential Manager: ${r.stderr.trim() || `exit ${r.code}`}`);
    return r.stdout;
  }

  async delete(name: string): Promise<boolean> {
    const r = await this.run('delete', name);
    if (r.code === 44) return false;
    if (r.code !== 0) throw new SecretStoreError(`Could not remove key "${name}" from Credential Manager: ${r.stderr.trim() || `exit ${r.code}`}`);
    return true;
  }
}
