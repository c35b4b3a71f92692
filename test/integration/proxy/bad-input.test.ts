import { randomBytes } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureText, sseEvents } from '../../helpers/fake-provider.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { issueServerCert, makeTestCa } from '../../helpers/tls.js';
import { openTunnel } from '../../helpers/tunnel.js';

// Bad input of every kind: each is answered or logged clearly, and the proxy keeps serving
// (checked after each case with a normal request).
let world: ProxyWorld;

beforeAll(async () => {
  world = await startProxyWorld();
});
afterAll(async () => {
  await world?.stop();
});

/** A normal request through the proxy still works. */
async function proxyStillServes(): Promise<void> {
  const { belay, provider } = world;
  const res = await belay.fetch(`${provider.url}/health`, {});
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ path: '/health' });
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('bad input', () => {
  it('raw garbage bytes on the proxy port: the connection is dropped or answered, the proxy keeps serving', async () => {
    const { belay } = world;
    const before = belay.events().length;
    for (const garbage of [randomBytes(4096), Buffer.from('\x16\x03\x01\x00\x05hello'), Buffer.from('NOT HTTP AT ALL\r\n\r\n')]) {
      const socket = net.connect(belay.proxy.port, '127.0.0.1');
      const answer = await new Promise<string>((resolve) => {
        let got = '';
        socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
        socket.on('close', () => resolve(got));
        socket.on('error', () => resolve(got));
        socket.write(garbage);
        setTimeout(() => socket.end(), 300);
      });
      // Nothing, an HTTP error status, or a TLS alert record (0x15) for bytes that look like TLS: never a crash.
      if (answer) expect(answer.charCodeAt(0) === 0x15 || /^HTTP\/1\.[01] [45]\d\d/.test(answer), JSON.stringify(answer)).toBe(true);
      await proxyStillServes();
    }
    // Each attempt is logged with an error a person can read, and no binary junk in the fields.
    const logged = belay.events().slice(before).filter((e) => e.error && e.status !== 200);
    expect(logged.length).toBeGreaterThanOrEqual(3);
    expect(logged.map((e) => e.error).join('\n')).toMatch(/not HTTP/);
    expect(logged.map((e) => e.error).join('\n')).toMatch(/TLS handshake with the client failed/);
    for (const e of logged) {
      expect(e.method ?? 'GET').toMatch(/^[A-Z-]+$/);
      expect(e.path ?? '/').toMatch(/^[\x21-\x7e]+$/);
    }
  });

  it('non-HTTP bytes inside a CONNECT tunnel are passed through to the target (raw TCP echo)', async () => {
    const { belay } = world;
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    try {
      const tunnel = await openTunnel(belay.proxy.port, '127.0.0.1', (echo.address() as AddressInfo).port);
      const reply = await new Promise<string>((resolve) => {
        let got = '';
        tunnel.on('data', (d: Buffer) => {
          got += d.toString();
          if (got.includes('\n')) resolve(got);
        });
        tunnel.write('\x00\x01 a custom binary protocol frame\n');
      });
      expect(reply).toBe('\x00\x01 a custom binary protocol frame\n');
      tunnel.destroy();
    } finally {
      echo.close();
    }
    await proxyStillServes();
  });

  it('upstream down: 502 with a message saying what failed; the event carries the error', async () => {
    const { belay } = world;
    const port = await closedPort();
    const res = await belay.fetch(`https://localhost:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [] }) });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).toMatch(/Belay could not complete the request to localhost:\d+: the connection was refused/);
    const [event] = await belay.waitForEvents((e) => e.host === 'localhost' && e.status === 502 && e.path === '/v1/chat/completions');
    expect(event.error).toMatch(/refused/);
    await proxyStillServes();
  });

  it("upstream with a certificate Belay does not trust: 502 naming the certificate; event error mentions it", async () => {
    const { belay } = world;
    const stranger = makeTestCa('Untrusted Stranger CA');
    const cert = issueServerCert(stranger, ['localhost', '127.0.0.1']);
    const server = https.createServer({ cert: cert.cert, key: cert.key }, (_req, res) => res.end('must never be reached'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const res = await belay.fetch(`https://localhost:${port}/secret-page`, {});
      const text = await res.text();
      expect(res.status).toBe(502);
      expect(text).toMatch(/certificate is not trusted/);
      expect(text).not.toContain('must never be reached');
      const [event] = await belay.waitForEvents((e) => e.path === '/secret-page');
      expect(event.status).toBe(502);
      expect(event.error).toMatch(/certificate/i);
    } finally {
      server.closeAllConnections();
      server.close();
    }
    await proxyStillServes();
  });

  it('a client that disconnects mid-stream: the event is marked with the error, the provider sees the close, the proxy keeps serving', async () => {
    const { belay, provider } = world;
    provider.handle(() => ({ headers: { 'content-type': 'text/event-stream' }, events: sseEvents(fixtureText('openai-chat/stream-text.sse')), delayMs: 200, keepOpen: true }));
    try {
      const abort = new AbortController();
      const res = await belay.fetch(`${provider.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        signal: abort.signal,
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('chat.completion.chunk');
      abort.abort();
      await reader.cancel().catch(() => undefined);
      const [event] = await belay.waitForEvents((e) => e.type === 'llm.request' && e.data.aborted === true);
      expect(event.error).toMatch(/the client closed the connection/);
      const stream = provider.streams.at(-1)!;
      await expect.poll(() => stream.closedEarly, { timeout: 5000 }).toBe(true);
      expect(stream.sentAt.length).toBeLessThan(sseEvents(fixtureText('openai-chat/stream-text.sse')).length);
    } finally {
      provider.handle(undefined);
    }
    await proxyStillServes();
    expect(belay.proxy.activeFlows()).toBe(0);
  });

  it('malformed JSON to an LLM endpoint is forwarded unchanged (the provider answers it) and logged; the proxy keeps serving', async () => {
    const { belay, provider } = world;
    const broken = '{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}';
    provider.handle((req) => (req.path === '/v1/chat/completions' && req.json === undefined ? { status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error"}}' } : undefined));
    try {
      const res = await belay.fetch(`${provider.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: broken });
      const text = await res.text();
      if (res.status === 400) {
        // Forwarded: the provider got exactly the bytes the client sent.
        expect(text).toContain('could not parse');
        expect(provider.requests.at(-1)!.body?.toString()).toBe(broken);
      } else {
        // Or refused by Belay, clearly.
        expect(res.status).toBe(403);
        expect(text).toMatch(/Belay/);
      }
      const [event] = await belay.waitForEvents((e) => e.type === 'llm.request' && e.bytesIn === Buffer.byteLength(broken));
      expect(event.status).toBe(res.status);
      expect(event.error).toBeTruthy();
    } finally {
      provider.handle(undefined);
    }
    await proxyStillServes();
  });
});
