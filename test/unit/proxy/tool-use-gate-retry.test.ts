import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../../core/pipeline/verdict.js';
import { createLlmExchange } from '../../../core/protocols/llm/exchange.js';
import { createToolUseGate, type GatedFlow } from '../../../core/proxy/tool-use-gate.js';

// An upstream that answers the first request on each connection and drops the connection
// when a second request arrives on it: what a server that closed an idle kept-alive socket
// looks like to the client that reuses it at that moment.
describe('tool-use gate: a kept-alive upstream socket closed at reuse', () => {
  let upstream: http.Server;
  // The gate writes to the client's response: a plain server hands it each request's.
  let front: http.Server;
  let frontPort = 0;
  let nextFlow: GatedFlow | undefined;
  let port = 0;
  let answered = 0;
  let dropped = 0;

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      const served = (req.socket as unknown as { served?: number }).served ?? 0;
      (req.socket as unknown as { served?: number }).served = served + 1;
      if (served >= 1) {
        dropped++;
        req.socket.destroy();
        return;
      }
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        answered++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: `echo ${body.length}` }, finish_reason: 'stop' }] }));
      });
    });
    upstream.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    const gate = createToolUseGate({ trustedCAs: [], warn: () => {} });
    front = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const flow = nextFlow!;
      nextFlow = undefined;
      await gate.relay(flow, { method: req.method!, headers: req.headers, body: Buffer.concat(chunks) }, res);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    frontPort = (front.address() as AddressInfo).port;
  });
  afterAll(async () => {
    front.closeAllConnections();
    await new Promise((r) => front.close(r));
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  const call = async () => {
    const exchange = createLlmExchange({ protocol: 'llm', provider: 'openai', api: 'openai-chat', stream: false }, { method: 'POST', host: '127.0.0.1', path: '/v1/chat/completions', client: 'test', body: { model: 'gpt-4o', messages: [], tools: [{ type: 'function', function: { name: 'x' } }] } });
    const llm = exchange.observer();
    let facts: ReturnType<typeof llm.finish> | undefined;
    nextFlow = {
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      stream: false,
      observer: llm,
      judge: async () => ({ outcome: 'allow', decision: 'allow', decidedBy: 'default', risk: 'none', findings: [] }) as Verdict,
      refusalMessage: () => 'refused',
      plainRefusal: (m) => ({ status: 403, headers: { 'content-type': 'text/plain' }, body: m }),
      onVerdicts: () => {},
      finish: (o) => (facts ??= llm.finish(o)),
      noteError: () => {},
    };
    const url = `http://127.0.0.1:${frontPort}/v1/chat/completions`;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [] }) });
    return { status: res.status, text: await res.text() };
  };

  it('sends the request again on a fresh connection instead of answering 502', async () => {
    const first = await call();
    expect(first.status).toBe(200);
    const second = await call();
    expect(second.status, second.text).toBe(200);
    expect(JSON.parse(second.text).choices[0].message.content).toMatch(/^echo \d+$/);
    expect(dropped).toBeGreaterThanOrEqual(1);
    expect(answered).toBe(2);
  });
});
