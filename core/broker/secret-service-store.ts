import { runTool } from './run-tool.js';
import { STORE_SERVICE, SecretStoreError, type SecretStore } from './secret-store.js';

/**
 * Linux Secret Service (GNOME Keyring, KWallet's bridge, KeePassXC) through `secret-tool`
 * (Debian package libsecret-tools). The value goes in on stdin. Entries carry the
 * attributes service=belay, key=NAME.
 */
export class SecretServiceStore implements SecretStore {
  readonly kind = 'secret-service' as const;
  readonly description = 'Linux Secret Service (secret-tool)';

  constructor(private readonly opts: { command?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {}

  async set(name: string, value: string): Promise<void> {
    const r = await this.run(['store', `--label=Belay key ${name}`, 'service', STORE_SERVICE, 'key', name], value);
    if (r.code !== 0) throw this.failure('store', name, r.stderr);
  }

  async get(name: string): Promise<string | undefined> {
    const r = await this.run(['lookup', 'service', STORE_SERVICE, 'key', name]);
    // secret-tool exits 1 with no output when there is no such item.
    if (r.code !== 0) {
      if (r.stderr.trim() === '') return undefined;
      throw this.failure('read', name, r.stderr);
    }
    return r.stdout.length ? r.stdout.replace(/\n$/, '') : undefined;
  }

  async delete(name: string): Promise<boolean> {
    const existed = (await this.get(name)) !== undefined;
    if (!existed) return false;
    const r = await this.run(['clear', 'service', STORE_SERVICE, 'key', name]);
    if (r.code !== 0) throw this.failure('remove', name, r.stderr);
    return true;
  }

  private async run(args: string[], input?: string) {
    try {
      return await runTool(this.opts.command ?? 'secret-tool', args, { input, env: this.opts.env, timeoutMs: this.opts.timeoutMs });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') {
        throw new SecretStoreError('secret-tool is not installed (Debian/Ubuntu: apt install libsecret-tools), or set broker.store to "file" in settings.json.');
      }
      throw new SecretStoreError(`The Secret Service did not answer: ${e.message}`);
    }
  }

  private failure(what: string, name: string, stderr: string): SecretStoreError {
    const detail = stderr.trim().split('\n')[0] || 'no reason given';
    return new SecretStoreError(`Could not ${what} key "${name}" in the Secret Service: ${detail}. Is a keyring running and unlocked in this session?`);
  }
}

/** True when a Secret Service is reachable from this process (a session bus and secret-tool answering). */
export async function secretServiceAvailable(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!env.DBUS_SESSION_BUS_ADDRESS) return false;
  try {
    // A lookup of an attribute nobody uses: exit 1 and empty stderr means the service answered.
    const r = await runTool('secret-tool', ['lookup', 'service', STORE_SERVICE, 'probe', 'belay-availability-check'], { env, timeoutMs: 3000 });
    return r.code === 0 || (r.code === 1 && r.stderr.trim() === '');
  } catch {
    return false;
  }
}
