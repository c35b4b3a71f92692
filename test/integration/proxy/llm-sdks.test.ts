import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/events.js';
import { fixtureText, sseEvents, withModel } from '../../helpers/fake-provider.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';

// The official SDKs, configured for a proxy the way their READMEs say: an undici ProxyAgent
// as fetch dispatcher, trusting Belay's CA. Real provider host names; the upstream proxy of
// the test routes them to the fake provider that replays the recorded wire formats.
let world: ProxyWorld;
let openai: OpenAI;
let anthropic: Anthropic;

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

beforeAll(async () => {
  world = await startProxyWorld({ realHosts: true, approve: 'allow' });
  // The SDKs type fetchOptions against the global fetch's RequestInit; undici's dispatcher is what Node's fetch takes.
  const fetchOptions = { dispatcher: world.belay.dispatcher };
  openai = new OpenAI({ apiKey: 'sk-test-openai-sdk-key', baseURL: 'https://api.openai.com/v1', fetchOptions: fetchOptions as never, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'sk-ant-test-anthropic-sdk-key', baseURL: 'https://api.anthropic.com', fetchOptions: fetchOptions as never, maxRetries: 0 });
});
afterAll(async () => {
  await world?.stop();
});

/** When the running test began: its flows start after it (earlier tests' events are not its own). */
let testStart = 0;
beforeEach(() => {
  testStart = Date.now();
});

/** The llm.request event of this test's call to `path`, and the llm.tool_use events linked to it. */
async function eventsFor(path: string, toolUses: number): Promise<{ request: AuditEvent; tools: AuditEvent[] }> {
  const { belay } = world;
  const requests = await belay.waitForEvents((e) => e.type === 'llm.request' && e.path === path && Date.parse(e.time) >= testStart);
  const request = requests.at(-1)!;
  const tools = toolUses === 0 ? [] : await belay.waitForEvents((e) => e.type === 'llm.tool_use' && (e.links ?? []).includes(request.id), { count: toolUses });
  return { request, tools };
}

describe('openai SDK through Belay', () => {
  it('chat completion, not streamed: tool calls reach the client; event has provider, model, usage, cost, tool_use events', async () => {
    const before = world.belay.events().length;
    const res = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [weatherTool] });
    expect(res.choices[0].message.tool_calls?.map((c) => (c.type === 'function' ? c.function.arguments : ''))).toEqual(['{"city":"Paris"}', '{"city":"Tokyo"}']);
    const { request, tools } = await eventsFor('/v1/chat/completions', 2);
    expect(world.belay.events().length).toBeGreaterThan(before);
    expect(request).toMatchObject({ client: 'openai-sdk', provider: 'openai', status: 200, host: 'api.openai.com', decision: 'allow' });
    expect(request.model).toMatch(/^gpt-4o-mini/);
    expect(request.data).toMatchObject({ stream: false, usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) } });
    expect(request.data.costUsd).toBeGreaterThan(0);
    expect(tools.map((t) => [t.tool, t.data.arguments])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_weather', { city: 'Tokyo' }],
    ]);
    // The provider received the SDK's request unchanged, credentials included (Belay forwards them; it only keeps them out of its log).
    const got = world.provider.requests.at(-1)!;
    expect(got.headers.authorization).toBe('Bearer sk-test-openai-sdk-key');
    expect(got.json).toMatchObject({ model: 'gpt-4o-mini', tools: [weatherTool] });
  });

  it('chat completion streamed with tools and include_usage: the SDK assembles the tool calls; usage comes from the last chunk', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Read /etc/passwd and the README' }],
      tools: [weatherTool],
      stream: true,
      stream_options: { include_usage: true },
    });
    const args = new Map<number, string>();
    const names = new Map<number, string>();
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (tc.function?.name) names.set(tc.index, tc.function.name);
        args.set(tc.index, (args.get(tc.index) ?? '') + (tc.function?.arguments ?? ''));
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(usage).toMatchObject({ prompt_tokens: 1200, completion_tokens: 57 });
    const { request, tools } = await eventsFor('/v1/chat/completions', names.size);
    expect(request).toMatchObject({ client: 'openai-sdk', provider: 'openai', model: 'gpt-4o-2024-08-06', status: 200 });
    // Belay counts cached prompt tokens apart from the fresh ones: together they are the prompt.
    const u = request.data.usage as { inputTokens: number; outputTokens: number; cacheReadTokens: number };
    expect(request.data.stream).toBe(true);
    expect([u.inputTokens + u.cacheReadTokens, u.cacheReadTokens, u.outputTokens]).toEqual([1200, 1024, 57]);
    expect(request.data.costUsd).toBeGreaterThan(0);
    // Belay saw the same tool calls the SDK assembled.
    expect(tools.map((t) => t.tool)).toEqual([...names.values()]);
    expect(tools.map((t) => JSON.stringify(t.data.arguments))).toEqual([...args.values()].map((a) => JSON.stringify(JSON.parse(a))));
  });

  it('a model missing from the price table costs "unknown", never 0', async () => {
    world.provider.handle((req) =>
      (req.json as { model?: string } | undefined)?.model === 'gpt-made-up-9'
        ? { headers: { 'content-type': 'text/event-stream' }, events: sseEvents(withModel(fixtureText('openai-chat/stream-text.sse'), 'gpt-made-up-9')) }
        : undefined,
    );
    try {
      const stream = await openai.chat.completions.create({ model: 'gpt-made-up-9', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text.length).toBeGreaterThan(0);
      const [request] = (await world.belay.waitForEvents((e) => e.type === 'llm.request' && e.model === 'gpt-made-up-9'));
      expect(request.data.usage).toBeDefined();
      expect(request.data.cost).toBe('unknown');
      expect(request.data.costUsd).toBeUndefined();
    } finally {
      world.provider.handle(undefined);
    }
  });

  it('Responses API streamed: function call arguments arrive; event labelled openai-responses with usage and tool_use', async () => {
    const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'Read my ssh key', tools: [{ type: 'function', name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } }, strict: false }], stream: true });
    const types: string[] = [];
    const calls: { name: string; arguments: string }[] = [];
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.output_item.done' && ev.item.type === 'function_call') calls.push({ name: ev.item.name, arguments: ev.item.arguments });
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(calls[0].name).toBe('read_file');
    const { request, tools } = await eventsFor('/v1/responses', calls.length);
    expect(request).toMatchObject({ client: 'openai-sdk', provider: 'openai', model: 'gpt-4.1-2025-04-14', status: 200 });
    expect(request.data).toMatchObject({ api: 'openai-responses', stream: true, usage: { inputTokens: expect.any(Number) } });
    expect(tools.map((t) => [t.tool, t.data.arguments])).toEqual(calls.map((c) => [c.name, JSON.parse(c.arguments)]));
  });
});

describe('not streamed', () => {
  it('Responses API, not streamed: output function calls logged as tool_use with usage', async () => {
    const res = await openai.responses.create({ model: 'gpt-4.1', input: 'Read the notes', tools: [{ type: 'function', name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } }, strict: false }] });
    const calls = res.output.filter((o) => o.type === 'function_call');
    expect(calls.map((c) => c.name)).toEqual(['read_file', 'http_get']);
    const { request, tools } = await eventsFor('/v1/responses', 2);
    expect(request).toMatchObject({ client: 'openai-sdk', provider: 'openai', model: 'gpt-4.1-2025-04-14', data: { api: 'openai-responses', stream: false } });
    const u = request.data.usage as { inputTokens: number; cacheReadTokens?: number; outputTokens: number };
    expect([u.inputTokens + (u.cacheReadTokens ?? 0), u.outputTokens]).toEqual([2048, 77]);
    expect(tools.map((t) => [t.tool, t.data.arguments])).toEqual(calls.map((c) => [c.name, JSON.parse(c.arguments)]));
  });

  it('Anthropic Messages, not streamed: tool_use blocks logged with their input and usage', async () => {
    const msg = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Weather in SF and NY?' }], tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] });
    const blocks = msg.content.filter((b) => b.type === 'tool_use');
    expect(blocks).toHaveLength(2);
    const { request, tools } = await eventsFor('/v1/messages', 2);
    expect(request).toMatchObject({ client: 'anthropic-sdk', provider: 'anthropic', model: 'claude-haiku-4-5-20251001', data: { stream: false, usage: { inputTokens: 384, outputTokens: 112 } } });
    expect(request.data.costUsd).toBeGreaterThan(0);
    expect(tools.map((t) => [t.tool, t.data.arguments])).toEqual(blocks.map((b) => [b.name, b.input]));
  });
});

describe('@anthropic-ai/sdk through Belay', () => {
  it('streams a message with a tool_use block; Belay logs usage (cumulative message_delta) and the tool_use', async () => {
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Check my AWS setup' }], tools: [{ name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }] });
    const final = await stream.finalMessage();
    const toolBlocks = final.content.filter((b) => b.type === 'tool_use');
    expect(toolBlocks.map((b) => b.name)).toEqual(['Bash', 'Read']);
    expect(final.stop_reason).toBe('tool_use');
    const { request, tools } = await eventsFor('/v1/messages', toolBlocks.length);
    expect(request).toMatchObject({ client: 'anthropic-sdk', provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', status: 200 });
    expect(request.data).toMatchObject({ api: 'anthropic-messages', stream: true, usage: { inputTokens: 472, outputTokens: final.usage.output_tokens } });
    expect(request.data.costUsd).toBeGreaterThan(0);
    expect(tools.map((t) => [t.tool, t.data.arguments])).toEqual(toolBlocks.map((b) => [b.name, b.input]));
    const got = world.provider.requests.at(-1)!;
    expect(got.headers['anthropic-version']).toBeDefined();
  });
});

describe('Gemini over plain fetch through Belay', () => {
  it('streamGenerateContent?alt=sse: functionCall parts logged as tool_use, usageMetadata as usage; x-goog-api-key is forwarded', async () => {
    const res = await world.belay.fetch('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'AIzaSyTestGeminiKey-0123456789abcdefghijk' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'weather and time in Zurich' }] }] }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toBe(fixtureText('gemini/stream.sse'));
    const { request, tools } = await eventsFor('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', 2);
    expect(request).toMatchObject({ provider: 'google', model: 'gemini-2.5-flash', status: 200 });
    expect(request.data).toMatchObject({ stream: true, usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) } });
    expect(tools.map((t) => [t.tool, t.data.arguments])).toEqual([
      ['get_weather', { city: 'Zürich' }],
      ['get_time', { tz: 'Europe/Zurich' }],
    ]);
    expect(world.provider.requests.at(-1)!.headers['x-goog-api-key']).toBe('AIzaSyTestGeminiKey-0123456789abcdefghijk');
  });

  it('generateContent (not streamed) is logged with its model and tool calls', async () => {
    const res = await world.belay.fetch('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'AIzaSyTestGeminiKey-0123456789abcdefghijk' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { candidates: unknown[] };
    expect(body.candidates.length).toBeGreaterThan(0);
    const { request } = await eventsFor('/v1beta/models/gemini-2.5-pro:generateContent', 0);
    expect(request).toMatchObject({ provider: 'google', status: 200, data: { stream: false } });
    expect(request.model).toMatch(/^gemini-/);
  });
});

describe('concurrent streams', () => {
  it('16 interleaved streams: each client gets its own bytes and each event its own model and size', async () => {
    const { belay, provider } = world;
    provider.handle((req) => {
      const model = (req.json as { model?: string } | undefined)?.model;
      return model?.startsWith('gpt-par-') ? { headers: { 'content-type': 'text/event-stream' }, events: sseEvents(withModel(fixtureText('openai-chat/stream-text.sse'), model)), delayMs: 15 } : undefined;
    });
    try {
      const models = Array.from({ length: 16 }, (_, i) => `gpt-par-${i}`);
      const bodies = await Promise.all(
        models.map(async (model) => {
          const res = await belay.fetch('https://api.openai.com/v1/chat/completions', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
            body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
          });
          return { model, text: await res.text() };
        }),
      );
      for (const b of bodies) expect(b.text).toBe(sseEvents(withModel(fixtureText('openai-chat/stream-text.sse'), b.model)).join(''));
      const events = await belay.waitForEvents((e) => e.type === 'llm.request' && (e.model ?? '').startsWith('gpt-par-'), { count: 16 });
      expect(events.map((e) => e.model).sort()).toEqual([...models].sort());
      for (const e of events) {
        const body = bodies.find((b) => b.model === e.model)!;
        expect(e.bytesOut).toBe(Buffer.byteLength(body.text));
        expect(e.status).toBe(200);
        expect(e.data.cost).toBe('unknown');
      }
      expect(belay.proxy.activeFlows()).toBe(0);
    } finally {
      provider.handle(undefined);
    }
  });
});

describe('compressed answers', () => {
  for (const encoding of ['gzip', 'br'] as const) {
    it(`a ${encoding} JSON answer reaches the SDK intact and Belay reads its usage from the decoded bytes`, async () => {
      const { belay, provider } = world;
      const { gzipSync, brotliCompressSync } = await import('node:zlib');
      const json = fixtureText('openai-chat/nonstream-tools.json');
      const compressed = encoding === 'gzip' ? gzipSync(json) : brotliCompressSync(json);
      const model = `gpt-4o-mini-${encoding}`;
      // Like a real provider: compressed only when the client accepts it.
      provider.handle((req) =>
        (req.json as { model?: string } | undefined)?.model === model && String(req.headers['accept-encoding'] ?? '').includes(encoding)
          ? { headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: compressed }
          : undefined,
      );
      try {
        const res = await belay.fetch('https://api.openai.com/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', 'accept-encoding': encoding },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'weather?' }] }),
        });
        expect(res.headers.get('content-encoding')).toBe(encoding);
        expect(JSON.parse(await res.text())).toEqual(JSON.parse(json));
        const [request] = await belay.waitForEvents((e) => e.type === 'llm.request' && e.bytesOut === compressed.length);
        expect(request.data).toMatchObject({ usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) }, toolCalls: [{ name: 'get_weather' }, { name: 'get_weather' }] });
      } finally {
        provider.handle(undefined);
      }
    });
  }
});
