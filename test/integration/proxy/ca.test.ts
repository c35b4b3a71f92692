import { createPrivateKey, X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_MIN_REMAINING_MS, caSubject, ensureCa } from '../../../core/proxy/ca.js';
import { belayPaths } from '../../../core/paths.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { issueServerCert, makeTestCa } from '../../helpers/tls.js';
import { openTunnel, tlsOverTunnel } from '../../helpers/tunnel.js';

// Belay's CA over its life: created 0600/0644, kept while valid, replaced with under 48 h
// left; and the leaf certificates it makes for IP hosts carry an IP SAN.

function freshHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'belay-ca-test-'));
}

describe('CA lifecycle (ensureCa on real files)', () => {
  it('first run creates ca.pem 0644 and ca.key 0600 with a clear subject; a second run keeps the same CA', async () => {
    const paths = belayPaths(freshHome());
    const first = await ensureCa(paths);
    expect(first.created).toBe(true);
    expect(statSync(paths.caCert).mode & 0o777).toBe(0o644);
    expect(statSync(paths.caKey).mode & 0o777).toBe(0o600);
    expect(first.subject).toContain(caSubject());
    // An ECDSA P-256 key: made in about a millisecond, where RSA-2048 held a first start for up to half a second.
    expect(createPrivateKey(readFileSync(paths.caKey)).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const again = await ensureCa(paths);
    expect(again.created).toBe(false);
    expect(again.fingerprint256).toBe(first.fingerprint256);
  });

  it('a CA with under 48 h left (a real one-day certificate) is regenerated; the old pair is kept as .old', async () => {
    const home = freshHome();
    const paths = belayPaths(home);
    const shortLived = makeTestCa('Belay local CA (expiring)', { days: 1 });
    copyFileSync(shortLived.certFile, paths.caCert);
    copyFileSync(shortLived.keyFile, paths.caKey);
    const oldFingerprint = new X509Certificate(shortLived.cert).fingerprint256;
    const ca = await ensureCa(paths);
    expect(ca.created).toBe(true);
    expect(ca.fingerprint256).not.toBe(oldFingerprint);
    expect(ca.validTo.getTime() - Date.now()).toBeGreaterThan(CA_MIN_REMAINING_MS);
    expect(readFileSync(`${paths.caCert}.old`, 'utf8')).toBe(shortLived.cert);
    expect(existsSync(`${paths.caKey}.old`)).toBe(true);
    expect(statSync(paths.caKey).mode & 0o777).toBe(0o600);
  });

  it('a valid CA is never overwritten (a three-day one: over 48 h left), and a loosened key is tightened to 0600', async () => {
    const paths = belayPaths(freshHome());
    const valid = makeTestCa('Belay local CA (valid)', { days: 3 });
    copyFileSync(valid.certFile, paths.caCert);
    copyFileSync(valid.keyFile, paths.caKey);
    const { chmodSync } = await import('node:fs');
    chmodSync(paths.caKey, 0o644);
    const ca = await ensureCa(paths);
    expect(ca.created).toBe(false);
    expect(readFileSync(paths.caCert, 'utf8')).toBe(valid.cert);
    expect(statSync(paths.caKey).mode & 0o777).toBe(0o600);
    // The same CA seen from a clock 2.5 days on has under 48 h left: replaced then.
    const later = await ensureCa(paths, Date.now() + 2.5 * 24 * 3600_000);
    expect(later.created).toBe(true);
  });

  it('half a CA (key missing) is a clear error, nothing overwritten', async () => {
    const paths = belayPaths(freshHome());
    const ca = makeTestCa('Belay local CA (half)');
    copyFileSync(ca.certFile, paths.caCert);
    await expect(ensureCa(paths)).rejects.toThrow(/ca\.key is missing/);
    expect(readFileSync(paths.caCert, 'utf8')).toBe(ca.cert);
  });
});

describe('leaf certificates Belay presents', () => {
  let world: ProxyWorld;
  let server: https.Server;
  beforeAll(async () => {
    world = await startProxyWorld();
    const cert = issueServerCert(world.providerCa, ['127.0.0.1', 'localhost']);
    server = https.createServer({ cert: cert.cert, key: cert.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    await world?.stop();
  });

  it('for an IP host: an IP SAN, so a client checking the IP accepts it (Node tls, no SNI)', async () => {
    const { belay } = world;
    const port = (server.address() as AddressInfo).port;
    const socket = await tlsOverTunnel(await openTunnel(belay.proxy.port, '127.0.0.1', port), { ca: belay.ca.cert, host: '127.0.0.1' });
    const cert = socket.getPeerCertificate();
    expect(cert.issuer.CN).toBe(caSubject());
    expect(cert.subjectaltname).toContain('IP Address:127.0.0.1');
    // tls.connect verified the identity against host 127.0.0.1: an authorized socket proves it.
    expect(socket.authorized).toBe(true);
    socket.destroy();
  });

  it('for a host name: a DNS SAN for that name, signed by Belay', async () => {
    const { belay } = world;
    const port = (server.address() as AddressInfo).port;
    const socket = await tlsOverTunnel(await openTunnel(belay.proxy.port, 'localhost', port), { ca: belay.ca.cert, servername: 'localhost' });
    const cert = socket.getPeerCertificate();
    expect(cert.issuer.CN).toBe(caSubject());
    expect(cert.subjectaltname).toContain('DNS:localhost');
    expect(socket.authorized).toBe(true);
    socket.destroy();
  });
});
