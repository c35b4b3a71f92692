import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as mockttp from 'mockttp';
import { ProxyAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedPassThroughStep, type GuardDecision } from '../../../core/proxy/guarded-step.js';
import type { GatedFlow } from '../../../core/proxy/tool-use-gate.js';

// The guarded step extends mockttp through its internal step table: this pins what Belay
// relies on (a mockttp upgrade that moves it fails here, not in a user's proxy).
describe('guarded mockttp step', () => {
  const CAP = 1024;
  let upstream: http.Server;
  let upstreamUrl = '';
  const received: { path: string; bytes: number }[] = [];
  let proxy: mockttp.Mockttp;
  let agent: ProxyAgent;
  const bodyEvents = new Map<string, number>();
  const relayed: { flowUrl: string; body: string; headers: Record<string, unknown> }[] = [];

  const decide = async (req: mockttp.CompletedRequest): Promise<GuardDecision | undefined> => {
    const path = new URL(req.url).pathname;
    if (path === '/answer') return { response: { statusCode: 418, body: 'answered by the guard' } };
    if (path === '/redact') return { body: '{"redacted":true}' };
    if (path === '/gate') return { gate: { url: `${upstreamUrl}/real` } as GatedFlow };
    if (path === '/gate-redact') return { gate: { url: `${upstreamUrl}/real` } as GatedFlow, body: '{"redacted":true}' };
    return undefined;
  };
  const gate = {
    relay: async (flow: GatedFlow, request: { headers: Record<string, unknown>; body: Buffer }, res: http.ServerResponse) => {
      relayed.push({ flowUrl: flow.url, body: request.body.toString(), headers: request.headers });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('gated ');
      res.end('answer');
    },
  };

  beforeAll(async () => {
    upstream = http.createServer(async (req, res) => {
      let bytes = 0;
      for await (const chunk of req) bytes += (chunk as Buffer).length;
      received.push({ path: req.url ?? '', bytes });
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`upstream got ${bytes}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    proxy = mockttp.getLocal({ maxBodySize: CAP, recordTraffic: false });
    await proxy.addRequestRule({ matchers: [new mockttp.matchers.WildcardMatcher()], steps: [new GuardedPassThroughStep(decide, gate as never, {}).asStep()] });
    await proxy.on('response-body-data', (d) => bodyEvents.set(d.id, (bodyEvents.get(d.id) ?? 0) + d.content.byteLength));
    await proxy.start();
    agent = new ProxyAgent(`http://127.0.0.1:${proxy.port}`);
  });
  afterAll(async () => {
    await agent.close();
    await proxy.stop();
    await new Promise((r) => upstream.close(r));
  });

  const post = async (path: string, body: string) => {
    const res = await undiciFetch(`${upstreamUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
    return { status: res.status, text: await res.text() };
  };

  it('no decision: mockttp passes the request through unchanged', async () => {
    expect(await post('/pass', '{"a":1}')).toEqual({ status: 200, text: 'upstream got 7' });
  });

  it('a body past the inspection cap still reaches the upstream whole', async () => {
    const big = JSON.stringify({ x: 'y'.repeat(CAP * 4) });
    expect(await post('/pass-big', big)).toEqual({ status: 200, text: `upstream got ${big.length}` });
  });

  it('a decision with a response answers instead; one with a body replaces it', async () => {
    expect(await post('/answer', '{}')).toEqual({ status: 418, text: 'answered by the guard' });
    expect(await post('/redact', '{"secret":"x"}')).toEqual({ status: 200, text: `upstream got ${'{"redacted":true}'.length}` });
  });

  it('a gated decision goes to the gate, which writes the response mockttp tracks', async () => {
    const before = relayed.length;
    const idsBefore = new Set(bodyEvents.keys());
    expect(await post('/gate', '{"tools":[]}')).toEqual({ status: 200, text: 'gated answer' });
    expect(relayed.slice(before)).toEqual([expect.objectContaining({ flowUrl: `${upstreamUrl}/real`, body: '{"tools":[]}' })]);
    expect(received.some((r) => r.path === '/gate')).toBe(false);
    // mockttp's response events saw the gate's bytes: the flow's audit event is built from them.
    await expect.poll(() => [...bodyEvents].filter(([id]) => !idsBefore.has(id)).map(([, n]) => n)).toEqual([12]);
  });

  it('a gated decision with a redacted body sends that body, without the client encoding', async () => {
    const res = await undiciFetch(`${upstreamUrl}/gate-redact`, { method: 'POST', body: '{"secret":"x"}', headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, dispatcher: agent });
    expect(res.status).toBe(200);
    await res.text();
    const last = relayed.at(-1)!;
    expect(last.body).toBe('{"redacted":true}');
    expect(last.headers['content-encoding']).toBeUndefined();
  });
});
