import { createHash } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBelay, type TestBelay } from '../../helpers/engine.js';
import { issueServerCert, makeTestCa, PROVIDER_HOSTS } from '../../helpers/tls.js';

// Pathological input through the real proxy: deeply nested JSON and invalid UTF-8 in LLM
// requests, a 1 MB single-line SSE event, header floods. The client gets an answer (or a
// clean refusal), the flow is logged, and Belay keeps serving the next request.
describe('hostile input through the proxy', () => {
  let belay: TestBelay;
  let server: https.Server;
  let origin: string;
  const bigLine = `data: {"choices":[{"index":0,"delta":{"content":"${'z'.repeat(1024 * 1024)}"}}]}\n\n`;

  beforeAll(async () => {
    const ca = makeTestCa();
    const cert = issueServerCert(ca, PROVIDER_HOSTS);
    server = https.createServer({ cert: cert.cert, key: cert.key, maxHeaderSize: 1024 * 1024 }, (req, res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      req.on('end', () => {
        if (req.url?.startsWith('/sse-big')) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(bigLine);
          res.end('data: [DONE]\n\n');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    belay = await startTestBelay({ settings: { proxy: { extraCaFiles: [ca.certFile] } } });
  });

  afterAll(async () => {
    await belay?.stop();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  async function stillServing() {
    const res = await belay.fetch(`${origin}/ok`);
    expect(res.status).toBe(200);
    await res.text();
  }

  const post = (path: string, body: Buffer | string) =>
    belay.fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  for (const depth of [5_000, 200_000]) {
    it(`JSON nested ${depth} deep in an LLM request: answered or refused, logged, still serving`, async () => {
      const messages = `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
      const body = `{"model":"gpt-4o","messages":[{"role":"user","content":${messages}}]}`;
      const res = await post(`/v1/chat/completions?depth=${depth}`, body);
      expect([200, 400, 403, 413, 502]).toContain(res.status);
      const text = await res.text();
      if (res.status === 200) expect(JSON.parse(text)).toEqual({ bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') });
      await belay.waitForEvents((e) => e.path === `/v1/chat/completions?depth=${depth}`);
      await stillServing();
    }, 60_000);
  }

  it('invalid UTF-8 in a JSON body is forwarded byte for byte and logged', async () => {
    const body = Buffer.concat([Buffer.from('{"model":"gpt-4o","messages":[{"role":"user","content":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('"}]}')]);
    const res = await post('/v1/chat/completions?utf8', body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    await belay.waitForEvents((e) => e.path === '/v1/chat/completions?utf8');
    await stillServing();
  });

  it('a 1 MB single-line SSE event arrives whole and unchanged', async () => {
    const big = await belay.fetch(`${origin}/sse-big`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [] }) });
    const text = await big.text();
    expect(text).toBe(`${bigLine}data: [DONE]\n\n`);
    await stillServing();
  }, 60_000);

  it('a header flood (5000 headers, then one 2 MB header) is refused or dropped; the proxy keeps serving', async () => {
    const caPem = belay.ca.cert;
    for (const headers of [Array.from({ length: 5000 }, (_, i) => `x-flood-${i}: ${'v'.repeat(20)}`).join('\r\n'), `x-big: ${'b'.repeat(2 * 1024 * 1024)}`]) {
      const answer = await new Promise<string>((resolve) => {
        const raw = net.connect(belay.proxy.port, '127.0.0.1', () => raw.write(`CONNECT 127.0.0.1:${(server.address() as AddressInfo).port} HTTP/1.1\r\nHost: x\r\n\r\n`));
        raw.once('data', () => {
          const s = tls.connect({ socket: raw, ca: caPem, servername: 'localhost' }, () => {
            s.write(`GET /flood HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n\r\n`);
          });
          let got = '';
          s.on('data', (d: Buffer) => (got += d.toString('latin1')));
          s.on('error', () => resolve(got || 'closed'));
          s.on('close', () => resolve(got || 'closed'));
          setTimeout(() => {
            s.destroy();
            resolve(got || 'timeout');
          }, 10_000);
        });
        raw.on('error', () => resolve('closed'));
      });
      // Refused (431 / 400) or the connection closed: never a hang, never a crash.
      expect(answer === 'closed' || /^HTTP\/1\.1 (4\d\d|200)/.test(answer), answer.slice(0, 100)).toBe(true);
      await stillServing();
    }
  }, 60_000);
});
