import type { webcrypto } from 'node:crypto';
import { requireFromMockttp } from './mockttp-require.js';

/**
 * @peculiar/x509 as mockttp loads it (its copy, not a dependency of Belay's own): the
 * certificate library Belay makes its CA (ca-certificate.ts) and site certificates
 * (leaf-certificates.ts) with. Typed here for the parts those two use.
 */
export interface X509Certificate {
  subjectName: unknown;
  getExtension(oid: string): { keyId: string } | null;
}

export interface PeculiarX509 {
  X509Certificate: new (pem: string) => X509Certificate;
  Name: new (parts: Record<string, string[]>[]) => unknown;
  BasicConstraintsExtension: new (ca: boolean, pathLength: number | undefined, critical: boolean) => unknown;
  KeyUsagesExtension: new (usages: number, critical: boolean) => unknown;
  KeyUsageFlags: Record<'keyCertSign' | 'digitalSignature' | 'cRLSign', number>;
  ExtendedKeyUsageExtension: new (usages: string[], critical: boolean) => unknown;
  ExtendedKeyUsage: Record<'serverAuth' | 'clientAuth', string>;
  SubjectAlternativeNameExtension: new (entries: { type: string; value: string }[], critical: boolean) => unknown;
  CertificatePolicyExtension: new (policies: string[], critical: boolean) => unknown;
  SubjectKeyIdentifierExtension: { create(key: webcrypto.CryptoKey, critical: boolean): Promise<{ keyId: string }> };
  AuthorityKeyIdentifierExtension: (new (keyId: string, critical: boolean) => unknown) & { create(cert: X509Certificate, critical: boolean): Promise<unknown> };
  X509CertificateGenerator: { create(params: Record<string, unknown>): Promise<{ toString(format: 'pem'): string }> };
}

/** Loaded on first use: start-up does not pay for it until a certificate is made or read. */
export const peculiarX509 = (): PeculiarX509 => requireFromMockttp('@peculiar/x509') as PeculiarX509;
