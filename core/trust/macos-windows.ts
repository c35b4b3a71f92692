import path from 'node:path';
import { runCommand, shellQuote, type CaIdentity, type Runner, type StoreResult } from './types.js';

/** macOS: the login keychain, trusted as a root for the user (asks for the login password once, in a system dialog). */
export function macInstall(ca: CaIdentity, home: string, run: Runner = runCommand): StoreResult {
  const keychain = path.join(home, 'Library', 'Keychains', 'login.keychain-db');
  const store = `login keychain (${keychain})`;
  if (macTrusted(ca, keychain, run)) return { store, outcome: 'already', message: 'already trusted' };
  const args = ['add-trusted-cert', '-r', 'trustRoot', '-k', keychain, ca.pemPath];
  const r = run('security', args);
  if (r.code !== 0) return { store, outcome: 'error', message: `security add-trusted-cert failed: ${r.stderr.trim()}`, command: `security ${args.map(shellQuote).join(' ')}` };
  return { store, outcome: 'done', message: 'added' };
}

/** Deletes by SHA-1 hash, so only this exact certificate goes. */
export function macUninstall(ca: CaIdentity, home: string, run: Runner = runCommand): StoreResult {
  const keychain = path.join(home, 'Library', 'Keychains', 'login.keychain-db');
  const store = `login keychain (${keychain})`;
  if (!macTrusted(ca, keychain, run)) return { store, outcome: 'absent', message: 'not there' };
  const r = run('security', ['delete-certificate', '-Z', ca.sha1, '-t', keychain]);
  if (r.code !== 0) return { store, outcome: 'error', message: `security delete-certificate failed: ${r.stderr.trim()}` };
  return { store, outcome: 'done', message: 'removed' };
}

export function macTrusted(ca: CaIdentity, keychain: string, run: Runner = runCommand): boolean {
  const r = run('security', ['find-certificate', '-a', '-Z', '-c', 'Belay local CA', keychain]);
  return r.code === 0 && r.stdout.toUpperCase().includes(ca.sha1);
}

/** Windows: the current user's Root store (Windows shows its own confirmation dialog). */
export function winInstall(ca: CaIdentity, run: Runner = runCommand): StoreResult {
  const store = 'Windows user Root store';
  if (winTrusted(ca, run)) return { store, outcome: 'already', message: 'already trusted' };
  const r = run('certutil', ['-user', '-addstore', 'Root', ca.pemPath]);
  if (r.code !== 0) return { store, outcome: 'error', message: `certutil -addstore failed: ${r.stderr.trim() || r.stdout.trim()}` };
  return { store, outcome: 'done', message: 'added' };
}

export function winUninstall(ca: CaIdentity, run: Runner = runCommand): StoreResult {
  const store = 'Windows user Root store';
  if (!winTrusted(ca, run)) return { store, outcome: 'absent', message: 'not there' };
  const r = run('certutil', ['-user', '-delstore', 'Root', ca.sha1]);
  if (r.code !== 0) return { store, outcome: 'error', message: `certutil -delstore failed: ${r.stderr.trim() || r.stdout.trim()}` };
  return { store, outcome: 'done', message: 'removed' };
}

export function winTrusted(ca: CaIdentity, run: Runner = runCommand): boolean {
  return run('certutil', ['-user', '-verifystore', 'Root', ca.sha1]).code === 0;
}
