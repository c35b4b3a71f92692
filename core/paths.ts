import { mkdirSync } from 'node:fs';
import path from 'node:path';
import envPaths from 'env-paths';

/**
 * The one data folder: BELAY_HOME when set (tests always set it), otherwise the OS's
 * per-user app-data folder for "belay" (~/.local/share/belay, ~/Library/Application
 * Support/belay, %LOCALAPPDATA%\belay\Data).
 */
export function dataDir(override?: string): string {
  // An empty BELAY_HOME counts as unset (it would otherwise resolve to the current folder).
  const dir = override || process.env.BELAY_HOME || envPaths('belay', { suffix: '' }).data;
  return path.resolve(dir);
}

/** Every file Belay keeps, named in one place so no module guesses a path. */
export interface BelayPaths {
  home: string;
  caCert: string;
  caKey: string;
  database: string;
  settings: string;
  policy: string;
  control: string;
  logs: string;
  /** SIEM destinations (no credentials). */
  siem: string;
  /** SIEM credentials, 0600, never printed. */
  siemSecrets: string;
  /** What `belay clients protect` / `belay setup` changed in client configs, so undo restores it byte for byte (0600). */
  clientsState: string;
  /** Copies of client config files taken before Belay changed them (0600). */
  backups: string;
  /** The kill switch: present while `belay pause` is in force (read by the guard and every mcp-wrap). */
  pause: string;
  /** Brokered keys when no OS keychain is reachable: AES-256-GCM encrypted (0600). */
  brokerVault: string;
  /** The random master key the vault's AES key is derived from (0600; see docs/keys.md for why this is weaker). */
  brokerMasterKey: string;
}

export function belayPaths(override?: string): BelayPaths {
  const home = dataDir(override);
  return {
    home,
    caCert: path.join(home, 'ca.pem'),
    caKey: path.join(home, 'ca.key'),
    database: path.join(home, 'belay.db'),
    settings: path.join(home, 'settings.json'),
    policy: path.join(home, 'policy.yaml'),
    control: path.join(home, 'control.json'),
    logs: path.join(home, 'logs'),
    siem: path.join(home, 'siem.json'),
    siemSecrets: path.join(home, 'siem-secrets.json'),
    clientsState: path.join(home, 'clients-state.json'),
    backups: path.join(home, 'backups'),
    pause: path.join(home, 'paused.json'),
    brokerVault: path.join(home, 'keys.vault.json'),
    brokerMasterKey: path.join(home, 'keys.master'),
  };
}

/** Creates the data folder, readable by the user only (it holds the CA key and the API token). */
export function ensureDataDir(paths: BelayPaths): void {
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
}
