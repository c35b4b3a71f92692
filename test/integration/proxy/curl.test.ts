import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { run } from '../../helpers/run.js';

// curl, configured as a user would: -x to Belay, --cacert Belay's CA. The provider host is
// the real one (api.openai.com), routed to the local fake provider by an upstream proxy.
let world: ProxyWorld;

beforeAll(async () => {
  world = await startProxyWorld({ realHosts: true });
});
afterAll(async () => {
  await world?.stop();
});

describe('curl through Belay', () => {
  it('reaches the provider over HTTPS and the flow is logged with client, provider, model, status, latency and bytes', async () => {
    const { belay, provider } = world;
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'weather in Paris and Tokyo?' }] });
    const res = await run('curl', [
      '-sS', '--fail-with-body', '-x', belay.proxy.url, '--cacert', belay.ca.certPath,
      '-H', 'content-type: application/json', '-H', 'authorization: Bearer sk-curl-test-0000',
      '--data-binary', body, 'https://api.openai.com/v1/chat/completions',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const answer = JSON.parse(res.stdout) as { choices: { message: { tool_calls: { function: { name: string } }[] } }[] };
    expect(answer.choices[0].message.tool_calls.map((c) => c.function.name)).toEqual(['get_weather', 'get_weather']);

    // It really went out through the upstream proxy to the provider, with the request intact.
    expect(world.upstream?.connects).toContain('api.openai.com:443');
    const received = provider.requests.at(-1)!;
    expect(received.path).toBe('/v1/chat/completions');
    expect(received.body?.toString('utf8')).toBe(body);

    const [event] = await belay.waitForEvents((e) => e.type === 'llm.request' && e.client === 'curl');
    expect(event).toMatchObject({
      protocol: 'llm',
      transport: 'proxy',
      client: 'curl',
      provider: 'openai',
      method: 'POST',
      host: 'api.openai.com',
      path: '/v1/chat/completions',
      status: 200,
      decision: 'allow',
      bytesIn: Buffer.byteLength(body),
      bytesOut: Buffer.byteLength(res.stdout),
    });
    expect(event.model).toMatch(/^gpt-4o-mini/);
    expect(event.latencyMs).toBeGreaterThanOrEqual(0);
    expect(event.latencyMs).toBeLessThan(10_000);
    expect(event.data.usage).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
    expect(typeof event.data.costUsd).toBe('number');
    expect(event.data.costUsd as number).toBeGreaterThan(0);
    // One llm.tool_use event per tool call the model asked for.
    const toolUses = await belay.waitForEvents((e) => e.type === 'llm.tool_use' && e.client === 'curl', { count: 2 });
    expect(toolUses.map((e) => [e.tool, e.links?.includes(event.id)])).toEqual([
      ['get_weather', true],
      ['get_weather', true],
    ]);
  });

  it('a request offering tools sent with Expect: 100-continue passes the tool-use gate whole', async () => {
    const { belay, provider } = world;
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'continue?' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }] });
    const res = await run('curl', [
      '-sS', '--fail-with-body', '-x', belay.proxy.url, '--cacert', belay.ca.certPath,
      '-H', 'content-type: application/json', '-H', 'expect: 100-continue',
      '--data-binary', body, 'https://api.openai.com/v1/chat/completions',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ object: 'chat.completion' });
    const got = provider.requests.at(-1)!;
    expect(got.json).toEqual(JSON.parse(body));
    // mockttp answered the 100-continue; the gate sends the body it holds, without asking again.
    expect(got.headers.expect).toBeUndefined();
  });

  it('plain GET to a non-LLM path is logged as http with its status', async () => {
    const { belay } = world;
    const res = await run('curl', ['-sS', '-x', belay.proxy.url, '--cacert', belay.ca.certPath, 'https://api.openai.com/healthz?key=AIzaPlantedQueryKey0123456789']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ method: 'GET', path: '/healthz?key=AIzaPlantedQueryKey0123456789' });
    const [event] = await belay.waitForEvents((e) => e.client === 'curl' && (e.path ?? '').startsWith('/healthz'));
    expect(event).toMatchObject({ method: 'GET', host: 'api.openai.com', status: 200 });
    expect(event.path).not.toContain('AIzaPlantedQueryKey');
  });
});
