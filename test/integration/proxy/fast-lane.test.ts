import { gzipSync } from 'node:zlib';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockttpServer } from 'mockttp/dist/server/mockttp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/events.js';
import { fixtureText, sseEvents } from '../../helpers/fake-provider.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { run as runCommand } from '../../helpers/run.js';
import { openTunnel, tlsOverTunnel } from '../../helpers/tunnel.js';

// Belay's fast lane (core/proxy/fast-lane.ts) takes LLM calls over HTTP/1.1 off mockttp's
// request path. It must be invisible: every case below runs through a Belay with the lane
// and one without (`proxy.fastLane: false`), and the client's answer, what the provider
// received and the audit events must be the same. Which path each request took is read
// from mockttp's request handler, so a lane that silently never ran fails too.

const CASE_HEADER = 'x-lane-case';
/** `${world}:${case}` of every request mockttp's own request path handled. */
const onMockttpPath: string[] = [];
const proto = MockttpServer.prototype as unknown as { handleRequest(req: IncomingMessage, res: unknown): Promise<void> };
const handleRequest = proto.handleRequest;

let lane: ProxyWorld;
let noLane: ProxyWorld;
/** An OpenAI-compatible server on plain HTTP (a local model server), reached with an absolute URL through the proxy. */
let plainServer: http.Server;
let plainUrl: string;

const AWS_KEY = 'AKIAQWERTYUIOPASDF23';
const toolCallWithSecret = fixtureText('openai-chat/nonstream-tools.json').replace('{\\"city\\":\\"Paris\\"}', `{\\"city\\":\\"Paris\\",\\"note\\":\\"${AWS_KEY}\\"}`);

beforeAll(async () => {
  proto.handleRequest = function (this: unknown, req: IncomingMessage, res: unknown) {
    onMockttpPath.push(`${req.headers['x-lane-world']}:${req.headers[CASE_HEADER]}`);
    return handleRequest.call(this, req, res);
  };
  plainServer = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(fixtureText('openai-chat/nonstream-tools.json')));
  });
  await new Promise<void>((resolve) => plainServer.listen(0, '127.0.0.1', resolve));
  plainUrl = `http://127.0.0.1:${(plainServer.address() as AddressInfo).port}/v1/chat/completions`;
  [lane, noLane] = await Promise.all([startProxyWorld({ realHosts: true, approve: 'allow' }), startProxyWorld({ realHosts: true, approve: 'allow', proxySettings: { fastLane: false } })]);
  for (const world of [lane, noLane]) {
    world.provider.handle((req) => {
      switch (req.headers[CASE_HEADER]) {
        case 'gzip':
          return { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(fixtureText('anthropic/nonstream-tools.json')) };
        case 'upstream-500':
          return { status: 500, headers: { 'content-type': 'application/json' }, body: '{"error":{"type":"server_error","message":"overloaded"}}' };
        case 'tool-call-with-secret':
          return { headers: { 'content-type': 'application/json' }, body: toolCallWithSecret };
        case 'leaves-mid-stream':
          return { headers: { 'content-type': 'text/event-stream' }, events: sseEvents(fixtureText('openai-chat/stream-text.sse')), delayMs: 40, keepOpen: true };
        default:
          return undefined;
      }
    });
  }
});
afterAll(async () => {
  proto.handleRequest = handleRequest;
  await Promise.all([lane?.stop(), noLane?.stop()]);
  plainServer?.close();
});

const weatherTool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const OPENAI = 'https://api.openai.com/v1/chat/completions';
const ANTHROPIC = 'https://api.anthropic.com/v1/messages';

interface Case {
  name: string;
  url: string | (() => string);
  body: Record<string, unknown>;
  /** Events the call writes: its llm.request plus one per tool call. */
  events: number;
}

const cases: Case[] = [
  { name: 'gated-json', url: OPENAI, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] }, events: 3 },
  { name: 'gated-sse', url: OPENAI, body: { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] }, events: 3 },
  { name: 'unheld-json', url: ANTHROPIC, body: { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }, events: 2 },
  { name: 'unheld-sse', url: ANTHROPIC, body: { model: 'claude-sonnet-4-6', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }] }, events: 2 },
  { name: 'gzip', url: ANTHROPIC, body: { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }, events: 2 },
  { name: 'upstream-500', url: OPENAI, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }, events: 1 },
  { name: 'secret-in-prompt', url: OPENAI, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `my key is ${AWS_KEY}` }], tools: [weatherTool] }, events: 3 },
  { name: 'plain-http', url: () => plainUrl, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] }, events: 3 },
  { name: 'tool-call-with-secret', url: OPENAI, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] }, events: 3 },
];

interface Outcome {
  status: number;
  contentType: string | null;
  contentEncoding: string | null;
  body: string;
  providerGot: unknown;
  events: Partial<AuditEvent>[];
}

async function run(world: ProxyWorld, name: string, c: Case): Promise<Outcome> {
  const before = world.belay.events().length;
  const sentBefore = world.provider.requests.length;
  const res = await world.belay.fetch(typeof c.url === 'string' ? c.url : c.url(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-lane', 'x-api-key': 'sk-ant-test-lane', 'user-agent': 'lane-test/1.0', [CASE_HEADER]: c.name, 'x-lane-world': name },
    body: JSON.stringify(c.body),
  });
  // undici decodes gzip itself; the header says what travelled.
  const body = await res.text();
  const events = await world.belay.waitForEvents(() => true, { count: before + c.events });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    contentEncoding: res.headers.get('content-encoding'),
    body,
    providerGot: world.provider.requests.slice(sentBefore).map((r) => r.json),
    events: events.slice(before).map(comparable),
  };
}

/** An event without what differs between any two runs (ids, hashes, clocks and timings, the approval's id). */
function comparable(e: AuditEvent): Partial<AuditEvent> {
  const { id: _id, seq: _seq, hash: _hash, prevHash: _prev, time: _time, startedAt: _start, latencyMs: _lat, links, session: _session, data, ...rest } = e as AuditEvent & Record<string, unknown>;
  const { heldMs: _held, approvalId: _approval, process: _process, durationMs: _duration, ttftMs: _ttft, ...stable } = (data ?? {}) as Record<string, unknown>;
  return { ...rest, data: stable, ...(links ? { links: links.map(() => 'link') } : {}) } as Partial<AuditEvent>;
}

describe('the fast lane', () => {
  for (const c of cases) {
    it(`${c.name}: the client, the provider and the log see what they see on mockttp's path`, async () => {
      const viaLane = await run(lane, 'lane', c);
      const viaMockttp = await run(noLane, 'mockttp', c);
      expect(viaLane).toEqual(viaMockttp);
      expect(onMockttpPath).not.toContain(`lane:${c.name}`);
      expect(onMockttpPath).toContain(`mockttp:${c.name}`);
    });
  }

  it('a client that leaves mid-body: logged as on mockttp\'s path, and Belay goes on serving', async () => {
    const left = async (world: ProxyWorld, name: string) => {
      const before = world.belay.events().length;
      const { belay } = world;
      const socket = await tlsOverTunnel(await openTunnel(belay.proxy.port, 'api.openai.com', 443), { servername: 'api.openai.com', ca: belay.ca.cert, alpn: ['http/1.1'] });
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: api.openai.com\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n${CASE_HEADER}: mid-body\r\nx-lane-world: ${name}\r\n\r\n{"model":`);
      await new Promise((r) => setTimeout(r, 100));
      socket.destroy();
      const events = await belay.waitForEvents(() => true, { count: before + 1 });
      return events.slice(before).map(comparable);
    };
    // Two events each: Node's parser reports the cut request, and the flow's own event.
    const byType = (events: Partial<AuditEvent>[]) => new Map(events.map((e) => [e.method ? 'flow' : 'parser', e]));
    const viaLane = byType(await left(lane, 'lane'));
    const viaMockttp = byType(await left(noLane, 'mockttp'));
    expect(viaLane.get('parser')).toEqual(viaMockttp.get('parser'));
    expect(viaLane.get('parser')).toMatchObject({ error: expect.stringMatching(/malformed request/) });
    // The flow's own event says the client left. mockttp's path also records the 502 it
    // tried to write to the closed connection; the lane, which wrote nothing, records none.
    const { status: _status, bytesOut: _bytesOut, ...mockttpFlow } = viaMockttp.get('flow')!;
    expect(viaLane.get('flow')).toEqual({ ...mockttpFlow, bytesOut: 0 });
    expect(viaLane.get('flow')).toMatchObject({ error: expect.stringMatching(/client closed the connection/) });
    expect(onMockttpPath).not.toContain('lane:mid-body');
    expect((await run(lane, 'lane', cases[0])).status).toBe(200);
  });

  it('reads a body sent with its head and one sent after it in pieces, on one kept-alive connection', async () => {
    // A body that came with its head and one still on its way after it (fast-lane.ts,
    // readBody) must both reach the guard and the provider whole, and leave the connection
    // ready for the next request.
    const { belay, provider } = lane;
    const socket = await tlsOverTunnel(await openTunnel(belay.proxy.port, 'api.openai.com', 443), { servername: 'api.openai.com', ca: belay.ca.cert, alpn: ['http/1.1'] });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const sentBefore = provider.requests.length;
    const lastSeq = belay.events().at(-1)?.seq ?? 0;
    const calls = (e: AuditEvent) => e.type === 'llm.request' && e.seq > lastSeq;
    const body = (word: string) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `say ${word}` }] });
    const head = (b: string, name: string) => `POST /v1/chat/completions HTTP/1.1\r\nhost: api.openai.com\r\ncontent-type: application/json\r\ncontent-length: ${b.length}\r\n${CASE_HEADER}: ${name}\r\nx-lane-world: lane\r\n\r\n`;
    const withHead = body('together');
    socket.write(head(withHead, 'body-with-head') + withHead);
    await belay.waitForEvents(calls);
    const inPieces = body('in pieces, later');
    socket.write(head(inPieces, 'body-in-pieces'));
    for (const piece of [inPieces.slice(0, 10), inPieces.slice(10, 30), inPieces.slice(30)]) {
      await new Promise((r) => setTimeout(r, 30));
      socket.write(piece);
    }
    const events = await belay.waitForEvents(calls, { count: 2 });
    // The event is written once the answer is; its bytes may still be on their way to this socket.
    for (let i = 0; i < 200 && (text.match(/^HTTP\/1\.1 /gm) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    expect(text.match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(provider.requests.slice(sentBefore).map((r) => r.json)).toEqual([JSON.parse(withHead), JSON.parse(inPieces)]);
    expect(events.map((e) => ({ status: e.status, bytesIn: e.bytesIn }))).toEqual([
      { status: 200, bytesIn: withHead.length },
      { status: 200, bytesIn: inPieces.length },
    ]);
    expect(onMockttpPath).not.toContain('lane:body-with-head');
    expect(onMockttpPath).not.toContain('lane:body-in-pieces');
  });

  it('a client that leaves mid-stream: the event is aborted and counts every byte written before it left', async () => {
    // The flow reads each chunk a loop turn after writing it (tapped-response.ts): those
    // still unread when the client leaves must be counted before the flow ends.
    const events = sseEvents(fixtureText('openai-chat/stream-text.sse'));
    const before = lane.belay.events().length;
    const socket = await tlsOverTunnel(await openTunnel(lane.belay.proxy.port, 'api.openai.com', 443), { servername: 'api.openai.com', ca: lane.belay.ca.cert, alpn: ['http/1.1'] });
    // No tools offered: the answer is relayed unheld, and only the flow reads it.
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: api.openai.com\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n${CASE_HEADER}: leaves-mid-stream\r\nx-lane-world: lane\r\n\r\n${body}`);
    let received = 0;
    let text = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        // Leave once two events of the body are in, mid-answer.
        const bodyStart = text.indexOf('\r\n\r\n');
        if (bodyStart >= 0 && (text.slice(bodyStart).match(/\n\n/g) ?? []).length >= 2 && received === 0) {
          received = Buffer.byteLength(text.slice(bodyStart + 4), 'latin1');
          socket.destroy();
          resolve();
        }
      });
    });
    const [event] = (await lane.belay.waitForEvents(() => true, { count: before + 1 })).slice(before);
    expect(event).toMatchObject({ type: 'llm.request', host: 'api.openai.com', error: expect.stringMatching(/client closed the connection/) });
    // Chunked framing adds a few bytes per chunk to what the client read; the flow counts the body.
    expect(event.bytesOut).toBeGreaterThan(0);
    expect(event.bytesOut).toBeLessThanOrEqual(received);
    expect(event.bytesOut).toBeGreaterThanOrEqual(events[0].length + events[1].length);
    expect(onMockttpPath).not.toContain('lane:leaves-mid-stream');
    expect((await run(lane, 'lane', cases[0])).status).toBe(200);
  });

  it('says what each case checks: a redacted prompt, a refused tool call, a gzip answer, an upstream error', async () => {
    const secret = await run(lane, 'lane', cases.find((c) => c.name === 'secret-in-prompt')!);
    expect(JSON.stringify(secret.providerGot)).not.toContain(AWS_KEY);
    expect(JSON.stringify(secret.providerGot)).toContain('[REDACTED by Belay]');
    const refused = await run(lane, 'lane', cases.find((c) => c.name === 'tool-call-with-secret')!);
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain(AWS_KEY);
    expect(refused.events.filter((e) => e.type === 'llm.tool_use' && e.decision === 'deny').length).toBeGreaterThan(0);
    const gzip = await run(lane, 'lane', cases.find((c) => c.name === 'gzip')!);
    expect(gzip.contentEncoding).toBe('gzip');
    expect(gzip.events[0].data).toMatchObject({ usage: { inputTokens: expect.any(Number) } });
    const failed = await run(lane, 'lane', cases.find((c) => c.name === 'upstream-500')!);
    expect(failed.status).toBe(500);
    expect(failed.events[0]).toMatchObject({ type: 'llm.request', status: 500 });
  });
});

describe('where Belay connects, against the host it logs', () => {
  /** One request over a tunnel opened to 127.0.0.1 whose Host header says localhost. */
  async function underAnotherName(request: string): Promise<AuditEvent> {
    const { belay, provider } = lane;
    const before = belay.events().length;
    const socket = await tlsOverTunnel(await openTunnel(belay.proxy.port, '127.0.0.1', provider.port), { servername: 'localhost', ca: belay.ca.cert, alpn: ['http/1.1'] });
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (/\r\n\r\n[\s\S]*\}/.test(text)) resolve(text);
      });
    });
    socket.write(request.replace('HOST', `localhost:${provider.port}`));
    expect(await answer).toMatch(/^HTTP\/1\.1 200/);
    socket.destroy();
    const events = await belay.waitForEvents(() => true, { count: before + 1 });
    return events[before];
  }

  it("mockttp's path follows the tunnel: the event says so beside the Host header's name", async () => {
    const e = await underAnotherName('GET /status HTTP/1.1\r\nhost: HOST\r\nx-lane-world: lane\r\nx-lane-case: connected-to\r\n\r\n');
    expect(onMockttpPath).toContain('lane:connected-to');
    expect(e).toMatchObject({ host: 'localhost', path: '/status', status: 200 });
    expect(e.data.connectedTo).toBe(`127.0.0.1:${lane.provider.port}`);
  });

  it('the fast lane connects to the host it logs, so there is nothing to add', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const e = await underAnotherName(`POST /v1/chat/completions HTTP/1.1\r\nhost: HOST\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nx-lane-world: lane\r\nx-lane-case: lane-connected-to\r\n\r\n${body}`);
    expect(onMockttpPath).not.toContain('lane:lane-connected-to');
    expect(e).toMatchObject({ type: 'llm.request', host: 'localhost', status: 200 });
    expect(e.data.connectedTo).toBeUndefined();
  });
});

describe("what stays on mockttp's path with the lane on", () => {
  const stays = [
    { name: 'mcp', url: 'https://api.openai.com/mcp', body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', headers: {} },
    { name: 'chunked', url: OPENAI, body: new Blob(['{"model":"gpt-4o-mini","messages":[]}']).stream(), headers: {} },
    { name: 'gzip-request', url: OPENAI, body: gzipSync('{"model":"gpt-4o-mini","messages":[]}'), headers: { 'content-encoding': 'gzip' } },
  ];
  for (const s of stays) {
    it(`${s.name}`, async () => {
      const before = lane.belay.events().length;
      const res = await lane.belay.fetch(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CASE_HEADER]: s.name, 'x-lane-world': 'lane', ...s.headers },
        body: s.body,
        ...(s.name === 'chunked' ? { duplex: 'half' } : {}),
      } as Parameters<ProxyWorld['belay']['fetch']>[1]);
      await res.arrayBuffer();
      expect(onMockttpPath).toContain(`lane:${s.name}`);
      const [event] = await lane.belay.waitForEvents(() => true, { count: before + 1 });
      expect(event).toBeDefined();
    });
  }

  it('expect-continue (curl)', async () => {
    const before = lane.belay.events().length;
    const res = await runCommand('curl', [
      '-sS', '-x', lane.belay.proxy.url, '--cacert', lane.belay.ca.certPath,
      '-H', 'content-type: application/json', '-H', 'expect: 100-continue', '-H', `${CASE_HEADER}: expect-continue`, '-H', 'x-lane-world: lane',
      '--data-binary', '{"model":"gpt-4o-mini","messages":[]}', OPENAI,
    ]);
    expect(res.code).toBe(0);
    expect(onMockttpPath).toContain('lane:expect-continue');
    await lane.belay.waitForEvents(() => true, { count: before + 1 });
  });
});
