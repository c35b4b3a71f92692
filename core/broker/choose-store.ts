import type { BelayPaths } from '../paths.js';
import type { Settings } from '../settings.js';
import { EncryptedFileStore } from './file-store.js';
import { MacosKeychainStore } from './macos-keychain-store.js';
import { SecretServiceStore, secretServiceAvailable } from './secret-service-store.js';
import { SecretStoreError, type SecretStore, type SecretStoreKind } from './secret-store.js';
import { WindowsCredentialStore } from './windows-credential-store.js';

/** The store of a given kind (each key's row says which store holds it). */
export function storeOfKind(kind: SecretStoreKind, paths: BelayPaths): SecretStore {
  switch (kind) {
    case 'secret-service':
      return new SecretServiceStore();
    case 'keychain':
      return new MacosKeychainStore();
    case 'credential-manager':
      return new WindowsCredentialStore();
    case 'file':
      return new EncryptedFileStore(paths.brokerVault, paths.brokerMasterKey);
    default:
      throw new SecretStoreError(`Unknown secret store "${String(kind)}".`);
  }
}

/**
 * The store new keys go to: the one settings name, or with 'auto' the OS keychain (macOS
 * keychain, Windows Credential Manager, the Linux Secret Service when a session bus and
 * keyring answer), else the encrypted file. `fellBack` says why the weaker file was chosen.
 */
export async function chooseStore(settings: Pick<Settings, 'broker'>, paths: BelayPaths, platform: NodeJS.Platform = process.platform): Promise<{ store: SecretStore; fellBack?: string }> {
  const wanted = settings.broker.store;
  if (wanted !== 'auto') return { store: storeOfKind(wanted, paths) };
  if (platform === 'darwin') return { store: new MacosKeychainStore() };
  if (platform === 'win32') return { store: new WindowsCredentialStore() };
  if (await secretServiceAvailable()) return { store: new SecretServiceStore() };
  return {
    store: storeOfKind('file', paths),
    fellBack: process.env.DBUS_SESSION_BUS_ADDRESS
      ? 'no Secret Service answered on the session bus (is gnome-keyring or KWallet running and is secret-tool installed?)'
      : 'there is no D-Bus session bus here (headless or remote session), so no Secret Service',
  };
}
