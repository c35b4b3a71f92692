import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runCommand, shellQuote, type CaIdentity, type Runner, type StoreResult } from './types.js';

/**
 * NSS databases: what Chrome/Chromium and Electron apps (Claude Desktop, Cursor, VS Code,
 * Windsurf) on Linux trust, plus each Firefox profile. Per user, no privileges needed.
 * certutil comes from libnss3-tools (Debian/Ubuntu) or nss-tools (Fedora).
 */
export function nssDatabases(home: string): { label: string; dir: string; create: boolean }[] {
  const out = [{ label: 'NSS shared db (Chrome, Electron apps)', dir: path.join(home, '.pki', 'nssdb'), create: true }];
  for (const root of [path.join(home, '.mozilla', 'firefox'), path.join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox')]) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root)) {
      const dir = path.join(root, name);
      if (existsSync(path.join(dir, 'cert9.db'))) out.push({ label: `Firefox profile ${name}`, dir, create: false });
    }
  }
  return out;
}

const INSTALL_HINT = 'install certutil: sudo apt-get install libnss3-tools (Debian/Ubuntu) or sudo dnf install nss-tools (Fedora)';

/** Certificates in the db under Belay's nickname, as PEM blocks (an older Belay CA may share it). */
function listOurs(run: Runner, dir: string, ca: CaIdentity): string[] | undefined {
  const r = run('certutil', ['-d', `sql:${dir}`, '-L', '-n', ca.nickname, '-a']);
  if (r.missing) return undefined;
  if (r.code !== 0) return [];
  return r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function isOurs(pem: string, ca: CaIdentity): boolean {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, '') === ca.sha256;
}

export function nssInstall(ca: CaIdentity, db: { label: string; dir: string; create: boolean }, run: Runner = runCommand): StoreResult {
  const store = `${db.label} (${db.dir})`;
  if (!existsSync(db.dir)) {
    if (!db.create) return { store, outcome: 'error', message: 'database folder is gone' };
    mkdirSync(db.dir, { recursive: true, mode: 0o700 });
    const init = run('certutil', ['-d', `sql:${db.dir}`, '-N', '--empty-password']);
    if (init.missing) return { store, outcome: 'unavailable', message: 'certutil is not installed', command: INSTALL_HINT };
    if (init.code !== 0) return { store, outcome: 'error', message: `certutil could not create the database: ${init.stderr.trim()}` };
  }
  const present = listOurs(run, db.dir, ca);
  if (present === undefined) return { store, outcome: 'unavailable', message: 'certutil is not installed', command: INSTALL_HINT };
  if (present.some((p) => isOurs(p, ca))) return { store, outcome: 'already', message: 'already trusted' };
  // "C,," = trusted to issue server certificates (TLS) only: not e-mail or code signing.
  const r = run('certutil', ['-d', `sql:${db.dir}`, '-A', '-t', 'C,,', '-n', ca.nickname, '-i', ca.pemPath]);
  if (r.code !== 0) return { store, outcome: 'error', message: `certutil -A failed: ${r.stderr.trim() || r.stdout.trim()}` };
  return { store, outcome: 'done', message: `added "${ca.nickname}"` };
}

/** Removes every certificate under Belay's nickname (this CA and older Belay CAs), nothing else. */
export function nssUninstall(ca: CaIdentity, db: { label: string; dir: string }, run: Runner = runCommand): StoreResult {
  const store = `${db.label} (${db.dir})`;
  if (!existsSync(db.dir)) return { store, outcome: 'absent', message: 'no database' };
  const present = listOurs(run, db.dir, ca);
  if (present === undefined) return { store, outcome: 'unavailable', message: 'certutil is not installed', command: INSTALL_HINT };
  if (present.length === 0) return { store, outcome: 'absent', message: 'not there' };
  for (let i = 0; i < present.length; i++) {
    const r = run('certutil', ['-d', `sql:${db.dir}`, '-D', '-n', ca.nickname]);
    if (r.code !== 0) return { store, outcome: 'error', message: `certutil -D failed: ${r.stderr.trim()}`, command: `certutil -d sql:${shellQuote(db.dir)} -D -n ${shellQuote(ca.nickname)}` };
  }
  return { store, outcome: 'done', message: `removed "${ca.nickname}"` };
}

export function nssTrusted(ca: CaIdentity, dir: string, run: Runner = runCommand): boolean | undefined {
  if (!existsSync(dir)) return false;
  const present = listOurs(run, dir, ca);
  return present === undefined ? undefined : present.some((p) => isOurs(p, ca));
}
