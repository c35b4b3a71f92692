import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';

// LLM answers that may call tools go through Belay's tool-use gate, which makes the upstream
// request itself. Behind a corporate proxy it must keep its tunnel alive as any client
// would: a tunnel per answer costs a TCP connection, a CONNECT and a TLS handshake to the
// provider (several round trips) on every agentic request.
describe('tool-use gate: plain answers, and behind an upstream proxy', () => {
  let world: ProxyWorld;

  beforeAll(async () => {
    world = await startProxyWorld({ realHosts: true, approve: 'allow' });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('sends a plain answer it held for judging in one piece, with its length (not chunked)', async () => {
    const res = await world.belay.fetch('https://api.openai.com/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object' } } }] }),
    });
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBeNull();
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(JSON.parse(body.toString('utf8'))).toHaveProperty('choices');
  });

  it('sends successive answers through one kept-alive tunnel', async () => {
    const body = JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'What is in README.md?' }],
      tools: [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }],
    });
    for (let i = 0; i < 3; i++) {
      const res = await world.belay.fetch('https://api.openai.com/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-not-real' }, body });
      expect(res.status).toBe(200);
      expect((await res.json()) as object).toHaveProperty('choices');
    }
    // All logged as complete, and one tunnel carried them (a tunnel per answer: four).
    const events = await world.belay.waitForEvents((e) => e.type === 'llm.request' && e.path === '/v1/chat/completions', { count: 4 });
    expect(events.every((e) => e.status === 200)).toBe(true);
    // Four gated answers in this file (the test above's included), one tunnel.
    expect(world.upstream?.connects).toEqual(['api.openai.com:443']);
  });
});
