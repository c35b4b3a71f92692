import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseEvents } from '../../helpers/fake-provider.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';

// An A2A agent (agent card + JSON-RPC, streamed and not) behind Belay: the remote agent
// replays the A2A wire fixtures; the client is plain fetch through the proxy.
const a2aDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/a2a');
const read = (name: string) => readFileSync(path.join(a2aDir, name), 'utf8');
const exchange = JSON.parse(read('exchange-v0.3.json')) as { send: { request: unknown; response: unknown } };

let world: ProxyWorld;

beforeAll(async () => {
  world = await startProxyWorld();
  world.provider.handle((req) => {
    if (req.url.pathname === '/.well-known/agent-card.json') return { headers: { 'content-type': 'application/json' }, body: read('agent-card-v0.3.json') };
    const method = (req.json as { method?: string } | undefined)?.method;
    if (req.url.pathname === '/a2a' && method === 'message/send') return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(exchange.send.response) };
    if (req.url.pathname === '/a2a' && method === 'message/stream') return { headers: { 'content-type': 'text/event-stream' }, events: sseEvents(read('stream-v0.3.sse')) };
    return undefined;
  });
});
afterAll(async () => {
  await world?.stop();
});

describe('A2A through Belay', () => {
  it('agent card fetch and message/send are logged as a2a events with the method and task', async () => {
    const { belay, provider } = world;
    const card = await belay.fetch(`${provider.url}/.well-known/agent-card.json`, {});
    expect(card.status).toBe(200);
    expect(((await card.json()) as { name?: string }).name).toBeTruthy();
    const res = await belay.fetch(`${provider.url}/a2a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(exchange.send.request) });
    expect(await res.json()).toEqual(exchange.send.response);

    const [cardEvent] = await belay.waitForEvents((e) => e.type === 'a2a.agent_card');
    expect(cardEvent).toMatchObject({ protocol: 'a2a', status: 200, path: '/.well-known/agent-card.json' });
    const [send] = await belay.waitForEvents((e) => e.type === 'a2a.message' && e.method === 'message/send');
    expect(send).toMatchObject({ protocol: 'a2a', status: 200, data: { contextId: 'ctx-1' } });
  });

  it('message/stream passes as a stream and is logged', async () => {
    const { belay, provider } = world;
    const request = { jsonrpc: '2.0', id: 2, method: 'message/stream', params: { message: { kind: 'message', role: 'user', messageId: 'm-2', parts: [{ kind: 'text', text: 'go' }] } } };
    const res = await belay.fetch(`${provider.url}/a2a`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(request) });
    expect(await res.text()).toBe(read('stream-v0.3.sse'));
    const [event] = await belay.waitForEvents((e) => e.type === 'a2a.message' && e.method === 'message/stream');
    expect(event.status).toBe(200);
  });
});
