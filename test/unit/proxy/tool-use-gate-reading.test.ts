import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmToolCall } from '../../../core/protocols/llm/types.js';
import { plainGatedFlow, startGateFront, type GateFront } from '../../helpers/gate-front.js';

// The gate reads a plain answer that came whole with its head straight from the response's
// buffer, and one whose body comes later as it arrives (tool-use-gate.ts, readBuffered and
// readStreamed). Both must hand the client exactly the upstream's answer, judge its tool
// call, end the upstream response so its socket is reused, and never end a cut answer cleanly.

const ANSWER = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'run_shell', arguments: '{"command":"ls"}' } }] }, finish_reason: 'tool_calls' }],
});

type Shape = 'whole' | 'later' | 'cut';

describe('tool-use gate: reading a plain answer', () => {
  const upstreams: http.Server[] = [];
  let front: GateFront;
  const upstreamPorts: Record<'v4' | 'v6', number> = { v4: 0, v6: 0 };
  const seen: { host?: string; socket: Socket }[] = [];

  const upstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push({ host: req.headers.host, socket: req.socket });
    req.resume();
    req.on('end', () => {
      const shape = req.url?.slice(1) as Shape;
      if (shape === 'whole') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) });
        res.end(ANSWER);
        return;
      }
      // The head goes out alone; the body follows in pieces (or stops half-way).
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) });
      res.flushHeaders();
      const half = Math.floor(ANSWER.length / 2);
      setTimeout(() => {
        res.write(ANSWER.slice(0, half));
        setTimeout(() => (shape === 'cut' ? req.socket.destroy() : res.end(ANSWER.slice(half))), 30);
      }, 30);
    });
  };

  beforeAll(async () => {
    for (const [family, host] of [['v4', '127.0.0.1'], ['v6', '::1']] as const) {
      const server = http.createServer(upstreamHandler);
      server.keepAliveTimeout = 60_000;
      await new Promise<void>((r) => server.listen(0, host, r));
      upstreamPorts[family] = (server.address() as AddressInfo).port;
      upstreams.push(server);
    }
    front = await startGateFront();
  });
  afterAll(async () => {
    await front.stop();
    for (const server of upstreams) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  const call = async (upstreamOrigin: string, shape: Shape) => {
    const judged: LlmToolCall[] = [];
    const errors: string[] = [];
    front.next(plainGatedFlow(`${upstreamOrigin}/${shape}`, { onJudge: (c) => judged.push(c), onError: (why) => errors.push(why) }));
    const result = await fetch(front.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"gpt-4o","messages":[]}' })
      .then(async (res) => ({ status: res.status, length: res.headers.get('content-length'), text: await res.text() }))
      .catch((err: Error) => ({ failed: err }));
    return { result, judged, errors };
  };

  it('relays an answer that came whole with its head, judges its tool call, and reuses the upstream socket', async () => {
    seen.length = 0;
    const origin = `http://127.0.0.1:${upstreamPorts.v4}`;
    for (let i = 0; i < 2; i++) {
      const { result, judged, errors } = await call(origin, 'whole');
      expect(result).toEqual({ status: 200, length: String(Buffer.byteLength(ANSWER)), text: ANSWER });
      expect(judged.map((c) => c.name)).toEqual(['run_shell']);
      expect(errors).toEqual([]);
    }
    // Read to its end, the first response gave its socket back to the pool for the second call.
    expect(seen).toHaveLength(2);
    expect(seen[1].socket).toBe(seen[0].socket);
  });

  it('relays an answer whose body arrives after its head, in pieces', async () => {
    const { result, judged, errors } = await call(`http://127.0.0.1:${upstreamPorts.v4}`, 'later');
    expect(result).toEqual({ status: 200, length: String(Buffer.byteLength(ANSWER)), text: ANSWER });
    expect(judged.map((c) => c.name)).toEqual(['run_shell']);
    expect(errors).toEqual([]);
  });

  it('never ends an answer cut off mid-body cleanly, and says why', async () => {
    const { result, judged, errors } = await call(`http://127.0.0.1:${upstreamPorts.v4}`, 'cut');
    // The client sees a broken response, not a complete one; the half-answer's tool call is never judged.
    expect('failed' in result).toBe(true);
    expect(judged).toEqual([]);
    expect(errors.join(' ')).toMatch(/reset|closed|aborted/i);
  });

  it('reaches an upstream named by an IPv6 address, with its Host header', async () => {
    seen.length = 0;
    const { result, judged } = await call(`http://[::1]:${upstreamPorts.v6}`, 'whole');
    expect(result).toEqual({ status: 200, length: String(Buffer.byteLength(ANSWER)), text: ANSWER });
    expect(judged.map((c) => c.name)).toEqual(['run_shell']);
    expect(seen.map((s) => s.host)).toEqual([`[::1]:${upstreamPorts.v6}`]);
  });
});
