import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptedFileStore } from '../../../core/broker/file-store.js';
import { SecretServiceStore, secretServiceAvailable } from '../../../core/broker/secret-service-store.js';
import { SecretStoreError } from '../../../core/broker/secret-store.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { keyringToolsInstalled, startHeadlessKeyring, type HeadlessKeyring } from '../../helpers/broker-keyring.js';

const SECRET = 'sk-proj-' + 'Q'.repeat(20) + 'unit-test-value-9f3a';

describe('encrypted-file fallback', () => {
  const paths = belayPaths();
  ensureDataDir(paths);

  it('round-trips values, keeps both files 0600 and never writes the value in clear', async () => {
    const store = new EncryptedFileStore(paths.brokerVault, paths.brokerMasterKey);
    await store.set('work', SECRET);
    await store.set('other', 'second-value-xyz');
    expect(await store.get('work')).toBe(SECRET);
    expect(await store.get('missing')).toBeUndefined();
    // A second instance (another process) reads the same files.
    expect(await new EncryptedFileStore(paths.brokerVault, paths.brokerMasterKey).get('other')).toBe('second-value-xyz');
    for (const f of [paths.brokerVault, paths.brokerMasterKey]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readFileSync(paths.brokerVault, 'utf8')).not.toContain('unit-test-value');
    expect(await store.delete('work')).toBe(true);
    expect(await store.delete('work')).toBe(false);
    expect(await store.get('work')).toBeUndefined();
    expect(await store.get('other')).toBe('second-value-xyz');
  });

  it('refuses a tampered entry with a clear error instead of returning garbage', async () => {
    const store = new EncryptedFileStore(paths.brokerVault, paths.brokerMasterKey);
    await store.set('tamper', SECRET);
    const vault = JSON.parse(readFileSync(paths.brokerVault, 'utf8'));
    const data = Buffer.from(vault.entries.tamper.data, 'base64');
    data[0] ^= 1;
    vault.entries.tamper.data = data.toString('base64');
    writeFileSync(paths.brokerVault, JSON.stringify(vault));
    await expect(new EncryptedFileStore(paths.brokerVault, paths.brokerMasterKey).get('tamper')).rejects.toThrow(/cannot be decrypted/);
  });

  it('an entry cannot be moved under another name (the name is authenticated)', async () => {
    const store = new EncryptedFileStore(paths.brokerVault, paths.brokerMasterKey);
    await store.set('a', 'value-a-1234');
    const vault = JSON.parse(readFileSync(paths.brokerVault, 'utf8'));
    vault.entries.b = vault.entries.a;
    writeFileSync(paths.brokerVault, JSON.stringify(vault));
    await expect(new EncryptedFileStore(paths.brokerVault, paths.brokerMasterKey).get('b')).rejects.toThrow(SecretStoreError);
  });

  it('says what to do when the master key is missing', async () => {
    const dir = path.join(paths.home, 'lost');
    const store = new EncryptedFileStore(path.join(dir, 'v.json'), path.join(dir, 'm.key'));
    await store.set('k', 'value-123456');
    const other = new EncryptedFileStore(path.join(dir, 'v.json'), path.join(dir, 'missing.key'));
    await expect(other.get('k')).rejects.toThrow(/missing.*add the keys again/i);
  });
});

describe.runIf(process.platform === 'linux' && keyringToolsInstalled())('Linux Secret Service (gnome-keyring, headless D-Bus session)', () => {
  let keyring: HeadlessKeyring;
  beforeAll(async () => {
    keyring = await startHeadlessKeyring();
  }, 20_000);
  afterAll(() => keyring?.stop());

  it('stores, reads, replaces and clears through secret-tool', async () => {
    const store = new SecretServiceStore({ env: keyring.env });
    expect(await secretServiceAvailable(keyring.env)).toBe(true);
    expect(await store.get('ss-key')).toBeUndefined();
    await store.set('ss-key', SECRET);
    expect(await store.get('ss-key')).toBe(SECRET);
    await store.set('ss-key', 'replaced-value-0001');
    expect(await store.get('ss-key')).toBe('replaced-value-0001');
    expect(await store.delete('ss-key')).toBe(true);
    expect(await store.get('ss-key')).toBeUndefined();
    expect(await store.delete('ss-key')).toBe(false);
  });

  it('is reported unavailable without a session bus', async () => {
    const { DBUS_SESSION_BUS_ADDRESS: _bus, ...env } = keyring.env;
    expect(await secretServiceAvailable(env)).toBe(false);
  });
});
