import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { BelayPaths } from '../paths.js';
import { generateCaCertificate } from './ca-certificate.js';
import { leafIssuer } from './leaf-certificates.js';

/** A CA with less than this left is replaced (clients would start failing soon after). */
export const CA_MIN_REMAINING_MS = 48 * 3600 * 1000;

export interface LocalCa {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
  subject: string;
  validTo: Date;
  /** sha256 fingerprint, colon-separated hex (as browsers show it). */
  fingerprint256: string;
  /** True when this call created the CA (first run or expiry). */
  created: boolean;
}

export function caSubject(): string {
  return `Belay local CA (${os.hostname()})`;
}

/**
 * Loads Belay's CA from the data folder, or generates it on first run. A valid CA is
 * never overwritten; one with under 48 h left is regenerated (the old pair is kept as
 * ca.pem.old/ca.key.old so the user can see what changed and untrust it).
 */
export async function ensureCa(paths: BelayPaths, now = Date.now()): Promise<LocalCa> {
  if (existsSync(paths.caCert) && existsSync(paths.caKey)) {
    const cert = readFileSync(paths.caCert, 'utf8');
    const key = readFileSync(paths.caKey, 'utf8');
    const x509 = parseCert(cert, paths.caCert);
    // Tighten a key file that was loosened by hand or by a copy: the CA key signs for every host.
    chmodSync(paths.caKey, 0o600);
    if (new Date(x509.validTo).getTime() - now > CA_MIN_REMAINING_MS) {
      return describe(paths, cert, key, x509, false);
    }
    renameSync(paths.caCert, `${paths.caCert}.old`);
    renameSync(paths.caKey, `${paths.caKey}.old`);
  } else if (existsSync(paths.caCert) !== existsSync(paths.caKey)) {
    const missing = existsSync(paths.caCert) ? paths.caKey : paths.caCert;
    throw new Error(
      `Belay's CA is incomplete: ${missing} is missing. Move the other CA file away (then Belay makes a new CA you must trust again), or restore the missing file.`,
    );
  }
  const generated = await generateCaCertificate({ commonName: caSubject(), organizationName: 'Belay', countryName: 'XX' });
  // Key first, created with its final mode so it is never readable by others, not even briefly.
  writeFileSync(paths.caKey, generated.key, { mode: 0o600, flag: 'wx' });
  writeFileSync(paths.caCert, generated.cert, { mode: 0o644, flag: 'wx' });
  return describe(paths, generated.cert, generated.key, parseCert(generated.cert, paths.caCert), true);
}

function parseCert(pem: string, file: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new Error(`${file} is not a readable PEM certificate (${(err as Error).message}). Move it and ca.key away to let Belay make a new CA.`);
  }
}

function describe(paths: BelayPaths, cert: string, key: string, x509: X509Certificate, created: boolean): LocalCa {
  return {
    certPath: paths.caCert,
    keyPath: paths.caKey,
    cert,
    key,
    subject: x509.subject,
    validTo: new Date(x509.validTo),
    fingerprint256: x509.fingerprint256,
    created,
  };
}

/** PEM → DER bytes, for `belay ca export --der` (Windows and some Android stores want DER). */
export function pemToDer(pem: string): Buffer {
  return new X509Certificate(pem).raw;
}

/**
 * Makes the issuer of the site certificates for this CA ahead of the proxy: the process's
 * leaf key and the CA key imported for signing (leaf-certificates.ts). Begun as soon as the
 * CA is known, it is ready by the time the proxy's modules are loaded, and the server's
 * first certificate does not wait for it (bench/RESULTS.md, Findings, items 13 and 29). A CA
 * that cannot be read is left for the proxy's start to report.
 */
export async function startLeafKeyGeneration(ca: Pick<LocalCa, 'cert' | 'key'>): Promise<void> {
  await leafIssuer(ca).catch(() => undefined);
}
