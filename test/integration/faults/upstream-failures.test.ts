import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBelay, type TestBelay } from '../../helpers/engine.js';
import { issueServerCert, makeTestCa, PROVIDER_HOSTS } from '../../helpers/tls.js';

// Upstream failures other than "refused" and "bad certificate" (test/integration/proxy/
// bad-input.test.ts has those): a reset in the middle of a streamed answer, a slow
// upstream, a host name that does not resolve. Each time the client learns it failed,
// Belay keeps serving, and the event says what failed.
describe('upstream failures', () => {
  let belay: TestBelay;
  let server: https.Server;
  let origin: string;

  beforeAll(async () => {
    const ca = makeTestCa();
    const cert = issueServerCert(ca, PROVIDER_HOSTS);
    server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      if (req.url?.startsWith('/reset') || req.url === '/gated/v1/chat/completions') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"n":1}\n\n');
        // Mid-stream, the upstream dies (its socket closes without ending the answer).
        setTimeout(() => req.socket.destroy(), 100);
        return;
      }
      if (req.url?.startsWith('/slow')) {
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('finally\n'), 2500);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('fast\n');
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

  /** The first event arrives; the rest of the body errors out (or ends early): never a silent, complete-looking answer. */
  async function expectCutAfterFirstEvent(res: Awaited<ReturnType<TestBelay['fetch']>>) {
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toContain('"n":1');
    await expect((async () => {
      for (;;) {
        const r = await reader.read();
        if (r.done) throw new Error('ended early');
      }
    })()).rejects.toThrow();
  }

  async function stillServing() {
    const res = await belay.fetch(`${origin}/after`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('fast\n');
  }

  it('a reset in the middle of a stream: the client sees the stream fail, the event names the reset', async () => {
    const res = await belay.fetch(`${origin}/reset`);
    expect(res.status).toBe(200);
    await expectCutAfterFirstEvent(res);
    const [event] = await belay.waitForEvents((e) => e.path === '/reset');
    expect(event.error ?? '').toMatch(/reset|aborted|closed|ended/i);
    await stillServing();
  });

  it('the same through the tool-use gate (the request offers tools): the stream fails, the event names the reset', async () => {
    const body = JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'read_file', parameters: {} } }] });
    const res = await belay.fetch(`${origin}/gated/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    await expectCutAfterFirstEvent(res);
    const [event] = await belay.waitForEvents((e) => e.path === '/gated/v1/chat/completions');
    expect(event.type).toBe('llm.request');
    expect(event.error ?? '').toMatch(/reset/i);
    await stillServing();
  });

  it('a slow upstream delays only its own request; the event records the wait', async () => {
    const slow = belay.fetch(`${origin}/slow`);
    const t0 = Date.now();
    await stillServing();
    expect(Date.now() - t0).toBeLessThan(2500);
    const res = await slow;
    expect(await res.text()).toBe('finally\n');
    const [event] = await belay.waitForEvents((e) => e.path === '/slow');
    expect(event.status).toBe(200);
    expect(event.latencyMs).toBeGreaterThanOrEqual(2400);
  });

  it('a host that does not resolve: 502 saying DNS failed, and the event says so', async () => {
    const res = await belay.fetch('https://no-such-host.invalid/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).toMatch(/Belay could not complete the request to no-such-host\.invalid.*could not be resolved \(DNS failure\)/);
    const [event] = await belay.waitForEvents((e) => e.host === 'no-such-host.invalid');
    expect(event.error ?? '').toMatch(/DNS|resolve|ENOTFOUND|EAI_AGAIN|unreachable/i);
    await stillServing();
  });
});
