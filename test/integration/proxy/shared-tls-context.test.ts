import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { ProxyAgent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestBelay, type TestBelay } from '../../helpers/engine.js';
import { startRedirectingProxy, type RedirectingProxy } from '../../helpers/upstream-proxy.js';
import { issueServerCert, makeTestCa, PROVIDER_HOSTS } from '../../helpers/tls.js';
import { openTunnel, tlsOverTunnel } from '../../helpers/tunnel.js';

// With a CA beyond Node's own roots (here a corporate one, in settings), every upstream
// request carries Node's roots plus it. Node would build a TLS context from all of them for
// each new upstream connection (50 ms of the event loop on a slow machine), and mockttp's
// agents are per client connection, so each new copilot connection paid it. Belay builds
// the context once (core/proxy/shared-tls-context.ts).
describe('upstream TLS context with extra CAs', () => {
  let belay: TestBelay;
  let viaProxy: TestBelay;
  let corporateProxy: RedirectingProxy;
  let server: https.Server;
  let untrusted: https.Server;
  let h2Server: http2.Http2SecureServer;
  let untrustedH2: http2.Http2SecureServer;
  let untrustedH2Port = 0;
  let port = 0;
  let h2Port = 0;
  let h2Sessions = 0;
  let untrustedPort = 0;
  let upstreamConnections = 0;

  let ca: ReturnType<typeof makeTestCa>;

  beforeAll(async () => {
    ca = makeTestCa('Belay Test Corporate CA');
    const cert = issueServerCert(ca, PROVIDER_HOSTS);
    server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    server.on('secureConnection', () => upstreamConnections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    // An upstream that speaks HTTP/2: an HTTP/2 client's requests go to it over HTTP/2 (http2-wrapper's agents).
    h2Server = http2.createSecureServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"ok":true,"http":"${req.httpVersion}"}`));
    });
    h2Server.on('session', () => h2Sessions++);
    await new Promise<void>((r) => h2Server.listen(0, '127.0.0.1', r));
    h2Port = (h2Server.address() as AddressInfo).port;
    // Same names, a CA nobody trusts: the shared context must not trust it either.
    const stranger = issueServerCert(makeTestCa('Belay Test Stranger CA'), PROVIDER_HOSTS);
    untrusted = https.createServer({ cert: stranger.cert, key: stranger.key }, (_req, res) => res.end('should not be reached'));
    untrustedH2 = http2.createSecureServer({ cert: stranger.cert, key: stranger.key }, (_req, res) => res.end('should not be reached'));
    await new Promise<void>((r) => untrustedH2.listen(0, '127.0.0.1', r));
    untrustedH2Port = (untrustedH2.address() as AddressInfo).port;
    await new Promise<void>((r) => untrusted.listen(0, '127.0.0.1', r));
    untrustedPort = (untrusted.address() as AddressInfo).port;
    belay = await startTestBelay({ settings: { proxy: { extraCaFiles: [ca.certFile] } } });
    // The corporate set-up: the CA and an upstream proxy, which mockttp reaches through agent-base's agents.
    corporateProxy = await startRedirectingProxy((_host, to) => ({ host: '127.0.0.1', port: to }));
    viaProxy = await startTestBelay({ settings: { proxy: { extraCaFiles: [ca.certFile], upstreamProxy: corporateProxy.url } } });
  });

  afterEach(() => vi.restoreAllMocks());

  afterAll(async () => {
    await belay?.stop();
    await viaProxy?.stop();
    await corporateProxy?.close();
    for (const s of [server, untrusted]) {
      s?.closeAllConnections();
      await new Promise((r) => s?.close(r));
    }
    for (const s of [h2Server, untrustedH2]) await new Promise((r) => s?.close(r));
  });

  /** One request on a client connection of its own (a new tunnel, hence a new upstream connection). */
  async function onNewConnection(url: string, through = belay): Promise<{ status: number; body: string }> {
    const dispatcher = new ProxyAgent({ uri: through.proxy.url, requestTls: { ca: through.ca.cert } });
    try {
      const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":"world"}', dispatcher });
      return { status: res.statusCode, body: await res.body.text() };
    } finally {
      await dispatcher.close();
    }
  }

  it('builds one context for many new upstream connections, and they trust the extra CA', async () => {
    const builds = vi.spyOn(tls, 'createSecureContext');
    const before = upstreamConnections;
    for (let i = 0; i < 4; i++) expect(await onNewConnection(`https://localhost:${port}/v1/things`)).toEqual({ status: 200, body: '{"ok":true}' });
    expect(upstreamConnections - before).toBe(4);
    const withCaList = builds.mock.calls.filter(([options]) => Array.isArray(options?.ca));
    expect(withCaList.length).toBeLessThanOrEqual(1);
  });

  /** One HTTP/2 request on a client connection of its own, as an HTTP/2-only client makes it. */
  async function h2OnNewConnection(upstreamPort: number, path: string): Promise<{ status: number; body: string }> {
    const secure = await tlsOverTunnel(await openTunnel(belay.proxy.port, 'localhost', upstreamPort), { ca: belay.ca.cert, servername: 'localhost', alpn: ['h2'] });
    const session = http2.connect(`https://localhost:${upstreamPort}`, { createConnection: () => secure });
    try {
      return await new Promise((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json' });
        let status = 0;
        let body = '';
        req.on('response', (headers) => (status = Number(headers[':status'])));
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
        req.end('{"hello":"h2"}');
      });
    } finally {
      session.close();
    }
  }

  it('builds one context for HTTP/2 upstream sessions too, and for the protocol probe', async () => {
    const builds = vi.spyOn(tls, 'createSecureContext');
    const before = h2Sessions;
    // The first request to an origin probes its protocol (http2-wrapper, once per origin) and
    // goes on over the probe's connection; each later client connection opens a session.
    for (let i = 0; i < 5; i++) expect(await h2OnNewConnection(h2Port, `/v1/h2/${i}`)).toEqual({ status: 200, body: '{"ok":true,"http":"2.0"}' });
    expect(h2Sessions - before, 'one upstream session per client connection, the probe reused').toBe(5);
    expect(builds.mock.calls.filter(([options]) => Array.isArray(options?.ca)).length).toBeLessThanOrEqual(1);
  });

  it('still refuses an HTTP/2 upstream whose certificate no trusted CA signed', async () => {
    const answer = await h2OnNewConnection(untrustedH2Port, '/v1/h2/stranger');
    expect(answer.status).toBe(502);
    expect(answer.body).not.toContain('should not be reached');
  });

  it('does the same through an upstream proxy', async () => {
    const builds = vi.spyOn(tls, 'createSecureContext');
    const before = { connections: upstreamConnections, tunnels: corporateProxy.connects.length };
    for (let i = 0; i < 4; i++) expect(await onNewConnection(`https://localhost:${port}/v1/things`, viaProxy)).toEqual({ status: 200, body: '{"ok":true}' });
    expect(corporateProxy.connects.length - before.tunnels).toBe(4);
    expect(upstreamConnections - before.connections).toBe(4);
    expect(builds.mock.calls.filter(([options]) => Array.isArray(options?.ca)).length).toBeLessThanOrEqual(1);
  });

  it("builds the tool-use gate's context once Belay is listening, not on the first LLM call", async () => {
    const builds = vi.spyOn(tls, 'createSecureContext');
    // Upstream trust lists only: Node's roots and the extra CA (mockttp's certificates for
    // clients carry a list of one, Belay's CA).
    const withCaList = () => builds.mock.calls.filter(([options]) => Array.isArray(options?.ca) && options.ca.length > tls.rootCertificates.length).length;
    // A trust list of its own: contexts are shared by every Belay in a process, and the
    // list of the Belays above is already built.
    const fresh = await startTestBelay({ settings: { proxy: { extraCaFiles: [ca.certFile, makeTestCa('Belay Test Second Corporate CA').certFile] } } });
    try {
      for (let i = 0; i < 40 && withCaList() === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(withCaList(), 'built after start').toBe(1);
      const dispatcher = new ProxyAgent({ uri: fresh.proxy.url, requestTls: { ca: fresh.ca.cert } });
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] });
      const res = await request(`https://localhost:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, dispatcher });
      expect(res.statusCode).toBe(200);
      await res.body.text();
      await dispatcher.close();
      expect(withCaList(), 'built again for the first call').toBe(1);
    } finally {
      await fresh.stop();
    }
  });

  it('still refuses an upstream whose certificate no trusted CA signed', async () => {
    const answer = await onNewConnection(`https://localhost:${untrustedPort}/v1/things`);
    expect(answer.status).toBe(502);
    expect(answer.body).not.toContain('should not be reached');
  });
});
