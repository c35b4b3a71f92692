import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCommand, shellQuote, type CaIdentity, type Runner, type StoreResult } from './types.js';

/**
 * The Debian/Ubuntu system store (OpenSSL, curl, Go, Python, Node with
 * --use-openssl-ca): a .crt in /usr/local/share/ca-certificates plus update-ca-certificates.
 * Needs root; without it we print the exact commands instead of failing halfway.
 */
export interface SystemStoreOptions {
  dir?: string;
  isRoot?: boolean;
  run?: Runner;
}

const FILE = 'belay-local-ca.crt';

export function systemStoreFile(dir = '/usr/local/share/ca-certificates'): string {
  return path.join(dir, FILE);
}

function isRootUser(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function systemInstall(ca: CaIdentity, opts: SystemStoreOptions = {}): StoreResult {
  const file = systemStoreFile(opts.dir);
  const store = `system store (${file})`;
  if (existsSync(file) && readFileSync(file, 'utf8').trim() === ca.pem.trim()) return { store, outcome: 'already', message: 'already trusted' };
  const command = `sudo cp ${shellQuote(ca.pemPath)} ${shellQuote(file)} && sudo update-ca-certificates`;
  if (!(opts.isRoot ?? isRootUser())) return { store, outcome: 'needs-privileges', message: 'needs root', command };
  if (!existsSync(path.dirname(file))) return { store, outcome: 'unavailable', message: `${path.dirname(file)} does not exist (not a Debian-style system)` };
  copyFileSync(ca.pemPath, file);
  const r = (opts.run ?? runCommand)('update-ca-certificates', []);
  if (r.missing) return { store, outcome: 'error', message: 'update-ca-certificates is not installed (apt-get install ca-certificates)' };
  if (r.code !== 0) return { store, outcome: 'error', message: `update-ca-certificates failed: ${r.stderr.trim()}` };
  return { store, outcome: 'done', message: 'added' };
}

export function systemUninstall(ca: CaIdentity, opts: SystemStoreOptions = {}): StoreResult {
  const file = systemStoreFile(opts.dir);
  const store = `system store (${file})`;
  if (!existsSync(file)) return { store, outcome: 'absent', message: 'not there' };
  const command = `sudo rm ${shellQuote(file)} && sudo update-ca-certificates --fresh`;
  if (!(opts.isRoot ?? isRootUser())) return { store, outcome: 'needs-privileges', message: 'needs root', command };
  rmSync(file);
  const r = (opts.run ?? runCommand)('update-ca-certificates', ['--fresh']);
  if (r.code !== 0) return { store, outcome: 'error', message: `update-ca-certificates failed: ${r.stderr.trim()}` };
  return { store, outcome: 'done', message: 'removed' };
}

export function systemTrusted(ca: CaIdentity, dir?: string): boolean {
  const file = systemStoreFile(dir);
  return existsSync(file) && readFileSync(file, 'utf8').trim() === ca.pem.trim();
}
