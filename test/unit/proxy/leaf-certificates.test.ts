import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { generateCACertificate } from 'mockttp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateCaCertificate } from '../../../core/proxy/ca-certificate.js';
import { certificateName, installEcdsaLeafCertificates, leafIssuer } from '../../../core/proxy/leaf-certificates.js';
import { withLoopbackListen } from '../../../core/proxy/loopback.js';
import { getLocal } from '../../../core/proxy/mockttp-lean.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-leaf-'));
const belayCa = generateCaCertificate({ commonName: 'Belay local CA (leaf test)', organizationName: 'Belay', countryName: 'XX' });

/** What openssl makes of a leaf: its verification against the CA for `host`, and its text. */
function openssl(caPem: string, leafPem: string, host: string) {
  writeFileSync(path.join(dir, 'ca.pem'), caPem);
  writeFileSync(path.join(dir, 'leaf.pem'), leafPem);
  const hostCheck = /^[\d.:]+$/.test(host) ? ['-verify_ip', host] : ['-verify_hostname', host];
  const verify = execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', path.join(dir, 'ca.pem'), ...hostCheck, path.join(dir, 'leaf.pem')], { encoding: 'utf8' });
  const text = execFileSync('openssl', ['x509', '-in', path.join(dir, 'leaf.pem'), '-noout', '-text'], { encoding: 'utf8' });
  return { verify: verify.trim(), text };
}

describe('site certificates on an ECDSA P-256 key', () => {
  afterEach(() => vi.restoreAllMocks());

  it('are signed by the CA, for the host, with the key usage an EC key calls for', async () => {
    const ca = await belayCa;
    const leaf = await (await leafIssuer(ca)).generateCertificate('api.openai.com');
    const { verify, text } = openssl(ca.cert, leaf.cert, 'api.openai.com');
    expect(verify).toMatch(/leaf\.pem: OK$/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(/Subject: C ?= ?XX, CN ?= ?api\.openai\.com\n/);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    const x509 = new X509Certificate(leaf.cert);
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(x509.checkPrivateKey(createPrivateKey(leaf.key))).toBe(true);
    expect(x509.issuer).toBe(new X509Certificate(ca.cert).subject);
    expect(leaf.ca).toBe(ca.cert);
    // mockttp's server renews a certificate an hour before expiresAt: it must be the real end.
    expect(leaf.expiresAt.getTime()).toBe(new Date(x509.validTo).getTime());
    expect(leaf.expiresAt.getTime() - Date.now()).toBeGreaterThan(43 * 24 * 3600_000);
  });

  it('cover IP hosts with IP SANs, and the default localhost certificate the loopback IPs too', async () => {
    const ca = await belayCa;
    const issuer = await leafIssuer(ca);
    expect(openssl(ca.cert, (await issuer.generateCertificate('10.1.2.3')).cert, '10.1.2.3').verify).toMatch(/OK$/);
    const localhost = (await issuer.generateCertificate('localhost')).cert;
    for (const host of ['localhost', '127.0.0.1', '::1']) expect(openssl(ca.cert, localhost, host).verify).toMatch(/OK$/);
  });

  it('are still issued by a CA with an RSA key that an earlier Belay made', async () => {
    const rsa = await generateCACertificate({ subject: { commonName: 'Older Belay CA' }, bits: 2048 });
    const leaf = await (await leafIssuer(rsa)).generateCertificate('api.anthropic.com');
    const { verify, text } = openssl(rsa.cert, leaf.cert, 'api.anthropic.com');
    expect(verify).toMatch(/OK$/);
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(new X509Certificate(leaf.cert).publicKey.asymmetricKeyType).toBe('ec');
  });

  it('turn a host with an underscore into a wildcard where one can cover it, and refuse where none can', () => {
    expect(certificateName('my_host.example.com')).toEqual({ host: '*.example.com', wildcard: true });
    expect(certificateName('api.openai.com')).toEqual({ host: 'api.openai.com', wildcard: false });
    expect(() => certificateName('a.b_c.example.com')).toThrow(/underscore/);
    expect(() => certificateName('my_host.com')).toThrow(/underscore/);
  });

  it('refuse a CA key that cannot sign, with a clear error, and try again for the next CA', async () => {
    await expect(leafIssuer({ cert: 'not a certificate', key: 'not a key' })).rejects.toThrow();
    await expect(leafIssuer({ cert: 'not a certificate', key: 'not a key' })).rejects.toThrow();
  });

  it("are what mockttp's server shows TLS clients once installed, and it makes no RSA key", async () => {
    const ca = await belayCa;
    installEcdsaLeafCertificates();
    const generateKey = vi.spyOn(globalThis.crypto.subtle, 'generateKey');
    const server = getLocal({ https: { cert: ca.cert, key: ca.key } });
    await withLoopbackListen(() => server.start(0));
    try {
      await server.forGet('/hello').thenReply(200, 'hi');
      const peer = await new Promise<{ body: string; curve?: string; cipher: string }>((resolve, reject) => {
        const req = https.get({ host: '127.0.0.1', port: server.port, path: '/hello', servername: 'api.openai.com', ca: ca.cert, headers: { host: 'api.openai.com' } }, (res) => {
          const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
          const cipher = (res.socket as import('node:tls').TLSSocket).getCipher().name;
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ body, curve: cert.asn1Curve, cipher }));
        });
        req.on('error', reject);
      });
      expect(peer.body).toBe('hi');
      expect(peer.curve).toBe('prime256v1');
      expect(generateKey).not.toHaveBeenCalled();
    } finally {
      await server.stop();
    }
  });
});
