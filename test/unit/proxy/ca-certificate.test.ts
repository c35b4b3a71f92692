import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCaCertificate } from '../../../core/proxy/ca-certificate.js';
import { leafIssuer } from '../../../core/proxy/leaf-certificates.js';

describe("Belay's CA certificate", () => {
  it('is a P-256 CA, self-signed, with the CA extensions critical, valid from a day back for ten years', async () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const { cert, key } = await generateCaCertificate({ commonName: 'Belay local CA (test)', organizationName: 'Belay', countryName: 'XX' }, now);
    const x509 = new X509Certificate(cert);
    expect(x509.subject.split('\n')).toEqual(['C=XX', 'O=Belay', 'CN=Belay local CA (test)']);
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.ca).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(new Date(x509.validFrom).getTime()).toBe(now.getTime() - 24 * 3600_000);
    expect(new Date(x509.validTo).getUTCFullYear()).toBe(2036);
    const privateKey = createPrivateKey(key);
    expect(privateKey.asymmetricKeyType).toBe('ec');
    expect(x509.checkPrivateKey(privateKey)).toBe(true);
    // What openssl reads in it: the usages a CA needs, marked critical, and the key ids.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-ca-cert-'));
    writeFileSync(path.join(dir, 'ca.pem'), cert);
    const text = execFileSync('openssl', ['x509', '-in', path.join(dir, 'ca.pem'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(text).toContain('Subject Key Identifier');
    expect(text).toContain('Authority Key Identifier');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
  });

  it('signs site certificates that openssl verifies against it', async () => {
    const { cert, key } = await generateCaCertificate({ commonName: 'Belay local CA (leaf test)', organizationName: 'Belay', countryName: 'XX' });
    const leaf = await (await leafIssuer({ cert, key })).generateCertificate('api.openai.com');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-ca-leaf-'));
    writeFileSync(path.join(dir, 'ca.pem'), cert);
    writeFileSync(path.join(dir, 'leaf.pem'), leaf.cert);
    const out = execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), '-verify_hostname', 'api.openai.com', path.join(dir, 'leaf.pem')], { encoding: 'utf8' });
    expect(out.trim()).toMatch(/leaf\.pem: OK$/);
    expect(new X509Certificate(leaf.cert).checkIssued(new X509Certificate(cert))).toBe(true);
  });

  it('is a new key and serial each time', async () => {
    const fields = { commonName: 'Belay local CA (twice)', organizationName: 'Belay', countryName: 'XX' };
    const [a, b] = await Promise.all([generateCaCertificate(fields), generateCaCertificate(fields)]);
    expect(a.key).not.toBe(b.key);
    expect(new X509Certificate(a.cert).serialNumber).not.toBe(new X509Certificate(b.cert).serialNumber);
  });
});
