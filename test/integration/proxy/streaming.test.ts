import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureText, sseEvents } from '../../helpers/fake-provider.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';

// Streams are never buffered: the fake provider pauses GAP ms between SSE events and
// timestamps each write; the client timestamps each event as it arrives (same clock, same
// process). Every event must reach the client before the provider has even sent the next
// one. That is causality, not speed: a proxy that held the stream, or any part of it,
// cannot pass, however fast the machine.
const GAP = 250;
let world: ProxyWorld;

beforeAll(async () => {
  world = await startProxyWorld({ realHosts: true, delayMs: GAP, approve: 'allow' });
});
afterAll(async () => {
  await world?.stop();
});

/** Reads an SSE body, noting when each complete event (blank-line terminated) arrived. */
async function receiveEvents(body: ReadableStream<Uint8Array>): Promise<{ text: string; arrivedAt: number[] }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const arrivedAt: number[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const complete = text.split(/\r?\n\r?\n/).length - 1;
    while (arrivedAt.length < complete) arrivedAt.push(Date.now());
  }
  return { text, arrivedAt };
}

function expectEachEventBeforeTheNextWasSent(arrivedAt: number[], sentAt: number[]): void {
  expect(arrivedAt.length).toBe(sentAt.length);
  for (let i = 0; i < sentAt.length - 1; i++) {
    expect(arrivedAt[i], `event ${i} arrived after the provider sent event ${i + 1}`).toBeLessThan(sentAt[i + 1]);
  }
}

const cases: { name: string; url: string; headers: Record<string, string>; body: unknown; fixture: string }[] = [
  {
    name: 'OpenAI chat completions',
    url: 'https://api.openai.com/v1/chat/completions',
    headers: { authorization: 'Bearer sk-test' },
    body: { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] },
    fixture: 'openai-chat/stream-text.sse',
  },
  {
    name: 'Anthropic Messages',
    url: 'https://api.anthropic.com/v1/messages',
    headers: { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
    body: { model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] },
    fixture: 'anthropic/stream-tool-no-args.sse',
  },
  {
    name: 'Gemini streamGenerateContent?alt=sse',
    url: 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    headers: { 'x-goog-api-key': 'AIza-test' },
    body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    fixture: 'gemini/stream.sse',
  },
];

describe('SSE streams pass event by event', () => {
  for (const c of cases) {
    it(`${c.name}: each event reaches the client before the provider sends the next`, async () => {
      const { belay, provider } = world;
      const events = sseEvents(fixtureText(c.fixture));
      provider.handle(() => ({ headers: { 'content-type': 'text/event-stream' }, events }));
      try {
        const res = await belay.fetch(c.url, { method: 'POST', headers: { 'content-type': 'application/json', ...c.headers }, body: JSON.stringify(c.body) });
        expect(res.status).toBe(200);
        const { text, arrivedAt } = await receiveEvents(res.body as ReadableStream<Uint8Array>);
        expect(text).toBe(events.join(''));
        const sent = provider.streams.at(-1)!;
        expectEachEventBeforeTheNextWasSent(arrivedAt, sent.sentAt);
        // The flow is logged once the stream ends, with the time to first token it saw.
        const path = new URL(c.url).pathname;
        const [event] = (await belay.waitForEvents((e) => e.type === 'llm.request' && (e.path ?? '').startsWith(path))).slice(-1);
        expect(event.status).toBe(200);
        expect(event.data.stream).toBe(true);
        expect(event.bytesOut).toBe(Buffer.byteLength(text));
      } finally {
        provider.handle(undefined);
      }
    });
  }

  it('the Anthropic SDK sees each stream event before the provider sends the next', async () => {
    const { belay, provider } = world;
    const anthropic = new Anthropic({
      apiKey: 'sk-ant-test',
      baseURL: 'https://api.anthropic.com',
      fetchOptions: { dispatcher: belay.dispatcher } as never,
      maxRetries: 0,
    });
    const before = provider.streams.length;
    // The full tool_use stream (21 events), with a shorter gap to keep the test quick.
    provider.handle(() => ({ headers: { 'content-type': 'text/event-stream' }, events: sseEvents(fixtureText('anthropic/stream-tools.sse')), delayMs: 120 }));
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const arrivedAt: number[] = [];
    const types: string[] = [];
    try {
      for await (const ev of stream) {
        arrivedAt.push(Date.now());
        types.push(ev.type);
      }
    } finally {
      provider.handle(undefined);
    }
    const sent = provider.streams[before];
    // The SDK yields every event but `ping`; line them up with what the provider wrote.
    const written = sseEvents(fixtureText('anthropic/stream-tools.sse')).map((e) => /^event: (\S+)/m.exec(e)?.[1]);
    const sentAt = sent.sentAt.filter((_, i) => written[i] !== 'ping');
    expect(types).toEqual(written.filter((t) => t !== 'ping'));
    expectEachEventBeforeTheNextWasSent(arrivedAt, sentAt);
  });

  // Requests that offer tools go through Belay's tool-use gate, which relays frame by frame
  // and holds a tool call until it is complete and judged. Text must still flow at once.
  it('with tools offered (tool-use gate): a text-only answer still passes event by event', async () => {
    const { belay, provider } = world;
    const events = sseEvents(fixtureText('openai-chat/stream-text.sse'));
    provider.handle(() => ({ headers: { 'content-type': 'text/event-stream' }, events }));
    try {
      const res = await belay.fetch('https://api.openai.com/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
        body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] }),
      });
      const { text, arrivedAt } = await receiveEvents(res.body as ReadableStream<Uint8Array>);
      expect(text).toBe(events.join(''));
      expectEachEventBeforeTheNextWasSent(arrivedAt, provider.streams.at(-1)!.sentAt);
    } finally {
      provider.handle(undefined);
    }
  });

  it('with tools offered (tool-use gate): text before a tool_use passes at once; the tool block is released only once complete', async () => {
    const { belay, provider } = world;
    const events = sseEvents(fixtureText('anthropic/stream-tools.sse'));
    provider.handle(() => ({ headers: { 'content-type': 'text/event-stream' }, events, delayMs: 120 }));
    try {
      const res = await belay.fetch('https://api.anthropic.com/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'Bash', input_schema: { type: 'object' } }] }),
      });
      const { text, arrivedAt } = await receiveEvents(res.body as ReadableStream<Uint8Array>);
      expect(text).toBe(events.join(''));
      const sentAt = provider.streams.at(-1)!.sentAt;
      const firstTool = events.findIndex((e) => e.includes('"content_block_start"') && e.includes('"tool_use"'));
      const toolStop = events.findIndex((e, i) => i > firstTool && e.includes('"content_block_stop"'));
      expect(firstTool).toBeGreaterThan(0);
      expect(arrivedAt).toHaveLength(sentAt.length);
      for (let i = 0; i < firstTool; i++) expect(arrivedAt[i], `text event ${i} was held`).toBeLessThan(sentAt[i + 1]);
      // The tool block's first frame reaches the client only after its last frame left the provider.
      expect(arrivedAt[firstTool]).toBeGreaterThanOrEqual(sentAt[toolStop]);
    } finally {
      provider.handle(undefined);
    }
  });
});
