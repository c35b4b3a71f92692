import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idleTimeoutFor } from '../../../core/proxy/keep-alive-fix.js';
import { startTestBelay, type TestBelay } from '../../helpers/engine.js';
import { issueServerCert, makeTestCa, PROVIDER_HOSTS } from '../../helpers/tls.js';
import { openTunnel, tlsOverTunnel } from '../../helpers/tunnel.js';

// An idle kept-alive upstream socket must be closed by Belay before the server's announced
// keep-alive timeout runs out: otherwise a request that picks it as the server closes it
// fails with a reset (a 502 for the copilot). mockttp's own agents never applied the hint.
describe('idle upstream sockets', () => {
  let belay: TestBelay;
  let server: https.Server;
  let port = 0;
  const closes: { by: 'belay' | 'server'; afterMs: number }[] = [];

  beforeAll(async () => {
    const ca = makeTestCa();
    const cert = issueServerCert(ca, PROVIDER_HOSTS);
    server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'));
    });
    // Node announces `Keep-Alive: timeout=3` and closes idle sockets after 3 s.
    server.keepAliveTimeout = 3000;
    server.on('secureConnection', (socket) => {
      let lastUse = Date.now();
      let clientEnded = false;
      socket.on('data', () => (lastUse = Date.now()));
      socket.on('end', () => (clientEnded = true));
      socket.on('close', () => closes.push({ by: clientEnded ? 'belay' : 'server', afterMs: Date.now() - lastUse }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    belay = await startTestBelay({ settings: { proxy: { extraCaFiles: [ca.certFile] } } });
  });

  afterAll(async () => {
    await belay?.stop();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it("Belay closes an idle socket a second before the server's keep-alive timeout", async () => {
    // A copilot's connection to Belay that stays open (one tunnel, kept alive), as SDKs keep
    // theirs: the upstream socket behind it idles in Belay's pool.
    const tunnel = await tlsOverTunnel(await openTunnel(belay.proxy.port, '127.0.0.1', port), { ca: belay.ca.cert, servername: 'localhost' });
    try {
      const answer = new Promise<string>((resolve) => {
        let text = '';
        tunnel.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('ok\n')) resolve(text);
        });
      });
      tunnel.write(`GET /idle HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`);
      expect(await answer).toMatch(/^HTTP\/1\.1 200/);
      await expect.poll(() => closes.length, { timeout: 6000, interval: 100 }).toBeGreaterThan(0);
      expect(tunnel.destroyed).toBe(false);
      expect(closes[0].by).toBe('belay');
      expect(closes[0].afterMs).toBeLessThan(3000);
    } finally {
      tunnel.destroy();
    }
  });

  it('reads the hint: a second of margin, a default without one, no reuse when the server keeps a second or less', () => {
    expect(idleTimeoutFor('timeout=5')).toBe(4000);
    expect(idleTimeoutFor('timeout=75, max=100')).toBe(60_000);
    expect(idleTimeoutFor(undefined)).toBe(4000);
    expect(idleTimeoutFor('max=5')).toBe(4000);
    expect(idleTimeoutFor('timeout=1')).toBeUndefined();
  });
});
