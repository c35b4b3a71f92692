import { createPrivateKey, KeyObject, randomUUID, webcrypto } from 'node:crypto';
import { requireFromMockttp } from './mockttp-require.js';
import { peculiarX509 as x509, type X509Certificate } from './peculiar-x509.js';
import { sanEntries } from './leaf-san.js';

/**
 * The certificates Belay shows clients for each site, on an ECDSA P-256 key.
 *
 * mockttp 4.6 makes them on one RSA-2048 key per process: made at every start (65–550 ms
 * of a worker thread on a 2-core machine, while start-up needs both cores), and signing with
 * it in each TLS handshake with a client holds the event loop 685 µs here, against 35 µs for
 * P-256 (bench/RESULTS.md, Findings, item 29). mockttp has no option for the leaf key, so
 * Belay takes over the one function its server asks for a CA object (`getCA`, read from
 * the module's exports on each call) and answers with this issuer,
 * which makes the same certificates mockttp would, but on a P-256 key and with the key
 * usage an EC key calls for (digitalSignature only: keyEncipherment is RSA's).
 *
 * Like mockttp, one leaf key per process serves every site: whoever could read it from the
 * process could read the CA key beside it. It is never written to disk.
 */
export interface GeneratedLeaf {
  key: string;
  cert: string;
  ca: string;
  expiresAt: Date;
}

interface CaPem {
  cert: string;
  key: string;
}

/** mockttp's cap on a site certificate's life; its server renews an hour before the end. */
const LIFESPAN_DAYS = 45;
const DOMAIN_VALIDATED_POLICY = '2.23.140.1.2.1';
const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
const CURVE_HASHES: Record<string, string> = { prime256v1: 'SHA-256', secp384r1: 'SHA-384', secp521r1: 'SHA-512' };
const WEBCRYPTO_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

let leafKey: Promise<{ pair: webcrypto.CryptoKeyPair; pem: string }> | undefined;
const issuers = new Map<string, Promise<LeafIssuer>>();

/** The process's leaf key, made once on first use. */
function processLeafKey() {
  leafKey ??= (async () => {
    const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    return { pair, pem: KeyObject.from(pair.privateKey).export({ format: 'pem', type: 'pkcs8' }).toString() };
  })();
  return leafKey;
}

/** The issuer for a CA, made once per CA (its key imported, the leaf key begun). Rejects a CA it cannot read. */
export function leafIssuer(ca: CaPem): Promise<LeafIssuer> {
  const id = `${ca.cert}\n${ca.key}`;
  let issuer = issuers.get(id);
  if (!issuer) {
    issuer = LeafIssuer.create(ca);
    issuers.set(id, issuer);
    issuer.catch(() => issuers.delete(id));
  }
  return issuer;
}

/** Makes mockttp's servers (started after this) issue their site certificates with `leafIssuer`. */
export function installEcdsaLeafCertificates(): void {
  const certificates = requireFromMockttp('./util/certificates') as { getCA: (options: Record<string, unknown>) => Promise<unknown>; belayLeaves?: true };
  if (certificates.belayLeaves) return;
  const original = certificates.getCA;
  // Belay hands mockttp its CA as PEM text and never asks for certificate transparency;
  // anything else is left to mockttp.
  certificates.getCA = (options) =>
    typeof options.cert === 'string' && typeof options.key === 'string' && !options.certificateTransparency ? leafIssuer({ cert: options.cert, key: options.key }) : original(options);
  certificates.belayLeaves = true;
}

export class LeafIssuer {
  private constructor(
    private readonly caPem: string,
    private readonly caCert: X509Certificate,
    private readonly caKey: webcrypto.CryptoKey,
    private readonly signingAlgorithm: { name: string; hash: string },
  ) {}

  static async create(ca: CaPem): Promise<LeafIssuer> {
    const leaf = processLeafKey();
    const key = createPrivateKey(ca.key);
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const algorithm =
      key.asymmetricKeyType === 'ec' && CURVE_HASHES[curve] ? { import: { name: 'ECDSA', namedCurve: WEBCRYPTO_CURVES[curve] }, sign: { name: 'ECDSA', hash: CURVE_HASHES[curve] } }
      : key.asymmetricKeyType === 'rsa' ? { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } }
      : undefined;
    if (!algorithm) throw new Error(`Belay's CA key is ${key.asymmetricKeyType} ${curve}: only RSA and ECDSA P-256/384/521 keys can sign site certificates`);
    const caKey = await webcrypto.subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), algorithm.import, false, ['sign']);
    await leaf;
    return new LeafIssuer(ca.cert, new (x509().X509Certificate)(ca.cert), caKey, algorithm.sign);
  }

  /** A certificate for `domain`, as mockttp's CA.generateCertificate answers it. */
  async generateCertificate(domain: string): Promise<GeneratedLeaf> {
    const lib = x509();
    const { pair, pem } = await processLeafKey();
    const name = certificateName(domain);
    // A day back, for clocks that disagree a little; whole seconds, as the certificate holds them.
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 24 * 3600_000);
    const notAfter = new Date(notBefore.getTime() + LIFESPAN_DAYS * 24 * 3600_000);
    const caKeyId = this.caCert.getExtension(SUBJECT_KEY_IDENTIFIER);
    const certificate = await lib.X509CertificateGenerator.create({
      serialNumber: `A${randomUUID().replace(/-/g, '')}`, // positive and well-formed, as mockttp's
      subject: new lib.Name(name.wildcard ? [{ C: ['XX'] }] : [{ C: ['XX'] }, { CN: [name.host] }]),
      issuer: this.caCert.subjectName, // byte for byte the CA's subject, as chain building needs
      notBefore,
      notAfter,
      signingAlgorithm: this.signingAlgorithm,
      publicKey: pair.publicKey,
      signingKey: this.caKey,
      extensions: [
        new lib.BasicConstraintsExtension(false, undefined, true),
        new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature, true),
        new lib.ExtendedKeyUsageExtension([lib.ExtendedKeyUsage.serverAuth, lib.ExtendedKeyUsage.clientAuth], false),
        new lib.SubjectAlternativeNameExtension(sanEntries(name.host), false),
        new lib.CertificatePolicyExtension([DOMAIN_VALIDATED_POLICY], false),
        caKeyId ? new lib.AuthorityKeyIdentifierExtension(caKeyId.keyId, false) : await lib.AuthorityKeyIdentifierExtension.create(this.caCert, false),
      ],
    });
    return { key: pem, cert: certificate.toString('pem'), ca: this.caPem, expiresAt: notAfter };
  }
}

/**
 * The name a certificate can carry for `domain`. Host names with an underscore cannot be in
 * a certificate, so, as mockttp does, the first label becomes a wildcard (a.b_c.d cannot be
 * covered at all).
 */
export function certificateName(domain: string): { host: string; wildcard: boolean } {
  if (!domain.includes('_')) return { host: domain, wildcard: domain.startsWith('*') };
  const rest = domain.split('.').slice(1);
  if (rest.length <= 1 || rest.some((label) => label.includes('_'))) throw new Error(`No certificate can cover ${domain}: its name has an underscore`);
  return { host: `*.${rest.join('.')}`, wildcard: true };
}
