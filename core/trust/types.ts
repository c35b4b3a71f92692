import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Belay's CA as trust stores know it: the same nickname everywhere, fingerprints to remove exactly it. */
export interface CaIdentity {
  pemPath: string;
  pem: string;
  nickname: string;
  /** Hex, no colons, upper case: what `security` and Windows certutil print. */
  sha1: string;
  sha256: string;
}

export function caIdentity(pemPath: string, hostname = os.hostname()): CaIdentity {
  let pem: string;
  try {
    pem = readFileSync(pemPath, 'utf8');
  } catch (err) {
    throw new Error(`Belay's CA certificate is not at ${pemPath} (${(err as NodeJS.ErrnoException).code}). Run \`belay serve\` or \`belay ca path\` once to create it.`);
  }
  const cert = new X509Certificate(pem);
  return { pemPath, pem, nickname: `Belay local CA (${hostname})`, sha1: cert.fingerprint.replace(/:/g, ''), sha256: cert.fingerprint256.replace(/:/g, '') };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started (not installed). */
  missing?: boolean;
}

/** Runs a program without a shell (arguments are never interpreted). Injected in tests. */
export type Runner = (command: string, args: string[]) => CommandResult;

export const runCommand: Runner = (command, args) => {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) return { code: null, stdout: '', stderr: r.error.message, missing: (r.error as NodeJS.ErrnoException).code === 'ENOENT' };
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** One trust store's answer to install / uninstall / check. */
export interface StoreResult {
  store: string;
  /** done: changed now; already: nothing to do; needs-privileges: printed `command` for the user; unavailable: tool missing; error. */
  outcome: 'done' | 'already' | 'absent' | 'needs-privileges' | 'unavailable' | 'error';
  message: string;
  /** The exact command the user should run (privileges, or to install the missing tool). */
  command?: string;
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
