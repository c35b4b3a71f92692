import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainGatedFlow, startGateFront, type GateFront } from '../../helpers/gate-front.js';

// An upstream that answers the first request on each connection and drops the connection
// when a second request arrives on it: what a server that closed an idle kept-alive socket
// looks like to the client that reuses it at that moment.
describe('tool-use gate: a kept-alive upstream socket closed at reuse', () => {
  let upstream: http.Server;
  // The gate writes to the client's response: a plain server hands it each request's.
  let front: GateFront;
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
    front = await startGateFront();
  });
  afterAll(async () => {
    await front.stop();
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  const call = async () => {
    front.next(plainGatedFlow(`http://127.0.0.1:${port}/v1/chat/completions`));
    const res = await fetch(front.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [] }) });
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
