import { nssDatabases, nssInstall, nssTrusted, nssUninstall } from './nss.js';
import { macInstall, macTrusted, macUninstall, winInstall, winTrusted, winUninstall } from './macos-windows.js';
import { systemInstall, systemTrusted, systemUninstall } from './system-linux.js';
import { runCommand, type CaIdentity, type Runner, type StoreResult } from './types.js';
import path from 'node:path';

export type LinuxStore = 'nss' | 'system' | 'all';

export interface TrustOptions {
  platform?: NodeJS.Platform;
  home: string;
  /** Linux: which stores (default all: NSS for apps, system store for CLI tools). */
  stores?: LinuxStore;
  systemDir?: string;
  isRoot?: boolean;
  run?: Runner;
}

/** Adds Belay's CA to this user's trust stores; each store reports on its own. */
export function installCa(ca: CaIdentity, opts: TrustOptions): StoreResult[] {
  const run = opts.run ?? runCommand;
  const platform = opts.platform ?? process.platform;
  if (platform === 'darwin') return [macInstall(ca, opts.home, run)];
  if (platform === 'win32') return [winInstall(ca, run)];
  const stores = opts.stores ?? 'all';
  const out: StoreResult[] = [];
  if (stores !== 'system') for (const db of nssDatabases(opts.home)) out.push(nssInstall(ca, db, run));
  if (stores !== 'nss') out.push(systemInstall(ca, { dir: opts.systemDir, isRoot: opts.isRoot, run }));
  return out;
}

export function uninstallCa(ca: CaIdentity, opts: TrustOptions): StoreResult[] {
  const run = opts.run ?? runCommand;
  const platform = opts.platform ?? process.platform;
  if (platform === 'darwin') return [macUninstall(ca, opts.home, run)];
  if (platform === 'win32') return [winUninstall(ca, run)];
  const stores = opts.stores ?? 'all';
  const out: StoreResult[] = [];
  if (stores !== 'system') for (const db of nssDatabases(opts.home)) out.push(nssUninstall(ca, db, run));
  if (stores !== 'nss') out.push(systemUninstall(ca, { dir: opts.systemDir, isRoot: opts.isRoot, run }));
  return out;
}

/** Where the CA is trusted now (for `belay doctor`). undefined = cannot tell (tool missing). */
export function caTrust(ca: CaIdentity, opts: TrustOptions): { store: string; trusted: boolean | undefined }[] {
  const run = opts.run ?? runCommand;
  const platform = opts.platform ?? process.platform;
  if (platform === 'darwin') return [{ store: 'login keychain', trusted: macTrusted(ca, path.join(opts.home, 'Library', 'Keychains', 'login.keychain-db'), run) }];
  if (platform === 'win32') return [{ store: 'Windows user Root store', trusted: winTrusted(ca, run) }];
  return [
    ...nssDatabases(opts.home).map((db) => ({ store: db.label, trusted: nssTrusted(ca, db.dir, run) })),
    { store: 'system store', trusted: systemTrusted(ca, opts.systemDir) },
  ];
}
