import { KeyObject, randomUUID, webcrypto } from 'node:crypto';
import { peculiarX509 } from './peculiar-x509.js';

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const VALID_YEARS = 10;

export interface CaSubjectFields {
  commonName: string;
  organizationName: string;
  countryName: string;
}

/**
 * Makes Belay's CA: an ECDSA P-256 key and a self-signed certificate with the fields
 * mockttp gives its own CAs (CA basic constraint and key usage, both critical; subject and
 * authority key ids; valid from a day ago, ten years on).
 *
 * Why not mockttp's generateCACertificate: it makes an RSA-2048 key, 65–550 ms of CPU on
 * this machine against about 1 ms for P-256, and on a first start that wait sits before
 * the proxy can listen (bench/RESULTS.md, Findings, item 27). The site certificates are
 * signed with it with ECDSA-SHA256 (leaf-certificates.ts). P-256 is also the stronger key
 * (128-bit security against RSA-2048's 112).
 *
 * Built with @peculiar/x509, the certificate library mockttp itself uses (its copy).
 */
export async function generateCaCertificate(subject: CaSubjectFields, now = new Date()): Promise<{ cert: string; key: string }> {
  const x509 = peculiarX509();
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  // The order the Baseline Requirements set for a CA's subject.
  const name = new x509.Name([{ C: [subject.countryName] }, { O: [subject.organizationName] }, { CN: [subject.commonName] }]);
  const notBefore = new Date(now.getTime() - 24 * 3600_000); // a day back, for clocks that disagree a little
  const notAfter = new Date(now);
  notAfter.setFullYear(notAfter.getFullYear() + VALID_YEARS);
  const keyId = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false);
  const { keyCertSign, digitalSignature, cRLSign } = x509.KeyUsageFlags;
  const certificate = await x509.X509CertificateGenerator.create({
    // A leading 'A' keeps the serial positive and well-formed, as mockttp's own.
    serialNumber: `A${randomUUID().replace(/-/g, '')}`,
    subject: name,
    issuer: name,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(keyCertSign | digitalSignature | cRLSign, true),
      keyId,
      new x509.AuthorityKeyIdentifierExtension(keyId.keyId, false),
    ],
  });
  return { cert: certificate.toString('pem'), key: KeyObject.from(keys.privateKey).export({ format: 'pem', type: 'pkcs8' }).toString() };
}
