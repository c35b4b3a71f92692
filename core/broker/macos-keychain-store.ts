import { runTool } from './run-tool.js';
import { STORE_SERVICE, SecretStoreError, type SecretStore } from './secret-store.js';

/**
 * macOS login keychain through `security`. Writing uses `security -i` (commands read from
 * stdin) so the value never appears on a command line. Not run in Belay's CI (Linux);
 * written from Apple's `security(1)` manual.
 */
export class MacosKeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;
  readonly description = 'macOS login keychain';

  async set(name: string, value: string): Promise<void> {
    if (/[\r\n]/.test(value)) throw new SecretStoreError('A key value cannot contain line breaks.');
    // -U updates an existing item; quoting per security's interactive parser.
    const line = `add-generic-password -U -s ${quote(STORE_SERVICE)} -a ${quote(name)} -l ${quote(`Belay key ${name}`)} -w ${quote(value)}\n`;
    const r = await runTool('security', ['-i'], { input: line });
    if (r.code !== 0 || /error/i.test(r.stderr)) throw new SecretStoreError(`Could not store key "${name}" in the keychain: ${r.stderr.trim() || `exit ${r.code}`}`);
  }

  async get(name: string): Promise<string | undefined> {
    const r = await runTool('security', ['find-generic-password', '-s', STORE_SERVICE, '-a', name, '-w']);
    if (r.code === 44) return undefined; // errSecItemNotFound
    if (r.code !== 0) throw new SecretStoreError(`Could not read key "${name}" from the keychain: ${r.stderr.trim() || `exit ${r.code}`}`);
    return r.stdout.replace(/\n$/, '');
  }

  async delete(name: string): Promise<boolean> {
    const r = await runTool('security', ['delete-generic-password', '-s', STORE_SERVICE, '-a', name]);
    if (r.code === 44) return false;
    if (r.code !== 0) throw new SecretStoreError(`Could not remove key "${name}" from the keychain: ${r.stderr.trim() || `exit ${r.code}`}`);
    return true;
  }
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
