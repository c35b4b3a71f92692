import { describe, expect, it } from 'vitest';
import { classify } from '../../../../core/protocols/classify.js';
import { createLlmExchange } from '../../../../core/protocols/llm/exchange.js';
import { chunked, fixture } from '../../../helpers/llm-fixtures.js';

const dec = new TextDecoder();

describe('createLlmExchange', () => {
  const anthropicBody = {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    stream: true,
    system: 'You are Claude Code.',
    tools: [{ name: 'Bash' }, { name: 'Read' }],
    messages: [{ role: 'user', content: 'show me the AWS credentials' }],
  };
  const meta = { method: 'POST', host: 'api.anthropic.com', path: '/v1/messages', headers: { 'anthropic-version': '2023-06-01' } };

  it('builds the request action and audit base from classification and body', () => {
    const ex = createLlmExchange(classify(meta, undefined, anthropicBody), { method: 'POST', host: meta.host, path: meta.path, client: 'claude-code', body: anthropicBody }, 5000);
    expect(ex.action).toMatchObject({ kind: 'llm.request', client: 'claude-code', transport: 'proxy', provider: 'anthropic', model: 'claude-sonnet-4-5', texts: ['You are Claude Code.', 'show me the AWS credentials'] });
    expect(ex.base).toMatchObject({ type: 'llm.request', protocol: 'llm', provider: 'anthropic', model: 'claude-sonnet-4-5', data: { api: 'anthropic-messages', stream: true, toolsOffered: ['Bash', 'Read'], messageCount: 1 } });
    const refusal = ex.refuse('Refused by Belay');
    expect(refusal.status).toBe(403);
    expect(JSON.parse(refusal.body)).toEqual({ type: 'error', error: { type: 'permission_error', message: 'Refused by Belay' } });
  });

  it('observes a streamed response chunk by chunk and reports usage, cost, tool calls and tool_use events', () => {
    const ex = createLlmExchange(classify(meta, undefined, anthropicBody), { method: 'POST', host: meta.host, path: meta.path, client: 'claude-code', body: anthropicBody }, Date.now());
    const obs = ex.observer();
    obs.onHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    const input = fixture('anthropic/stream-tools.sse');
    let raw = '';
    let callsSeenMidStream = 0;
    for (const c of chunked(input, [37])) {
      for (const f of obs.onData(c)) raw += dec.decode(f.raw);
      callsSeenMidStream = Math.max(callsSeenMidStream, obs.toolCalls().length);
    }
    expect(callsSeenMidStream).toBe(2);
    const facts = obs.finish({ aborted: false, endedAt: Date.now(), status: 200 });
    for (const f of facts.frames) raw += dec.decode(f.raw);
    expect(raw).toBe(dec.decode(input));
    expect(facts.event.model).toBe('claude-sonnet-4-5-20250929');
    expect(facts.event.error).toBeUndefined();
    const data = facts.event.data!;
    expect(data.usage).toEqual({ inputTokens: 472, cacheWriteTokens: 1200, cacheReadTokens: 8000, outputTokens: 134 });
    expect(data.costUsd).toBeCloseTo((472 * 3 + 1200 * 3.75 + 8000 * 0.3 + 134 * 15) / 1e6, 6);
    expect(data.toolCalls).toEqual([
      { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'Bash', arguments: { command: 'cat ~/.aws/credentials', description: 'Read AWS creds' } },
      { id: 'toolu_01ABCDefGhiJKLmnOPqrSTuv', name: 'Read', arguments: { file_path: '/tmp/r\u00e9sum\u00e9.txt' } },
    ]);
    expect(data.stopReason).toBe('tool_use');
    expect(typeof data.ttftMs).toBe('number');
    expect(data.truncated).toBeUndefined();
    expect(facts.extraEvents.map((e) => [e.type, e.tool, e.client, e.provider])).toEqual([
      ['llm.tool_use', 'Bash', 'claude-code', 'anthropic'],
      ['llm.tool_use', 'Read', 'claude-code', 'anthropic'],
    ]);
    expect(facts.extraEvents[0].data).toMatchObject({ toolCallId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', arguments: { command: 'cat ~/.aws/credentials' } });
  });

  it('a held stream can be ended with the provider error event', () => {
    const ex = createLlmExchange(classify(meta, undefined, anthropicBody), { method: 'POST', host: meta.host, path: meta.path, client: 'x', body: anthropicBody });
    const obs = ex.observer();
    obs.onHead(200, { 'content-type': 'text/event-stream' });
    expect(dec.decode(obs.streamRefusal('no'))).toBe('event: error\ndata: {"type":"error","error":{"type":"permission_error","message":"no"}}\n\n');
  });

  it('Gemini: model and streaming come from the URL; unknown cost is said, not zero', () => {
    const gMeta = { method: 'POST', host: 'generativelanguage.googleapis.com', path: '/v1beta/models/gemini-9-ultra:streamGenerateContent?alt=sse', headers: {} };
    const body = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
    const ex = createLlmExchange(classify(gMeta, undefined, body), { ...gMeta, client: 'unknown', body });
    expect(ex.base).toMatchObject({ model: 'gemini-9-ultra', data: { stream: true } });
    const obs = ex.observer();
    obs.onHead(200, { 'content-type': 'text/event-stream' });
    obs.onData(new TextEncoder().encode('data: {"candidates":[{"content":{"parts":[{"text":"hello"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1},"modelVersion":"gemini-9-ultra"}\r\n\r\n'));
    const facts = obs.finish({ aborted: false, endedAt: Date.now(), status: 200 });
    expect(facts.event.data).toMatchObject({ cost: 'unknown', usage: { inputTokens: 3, outputTokens: 1 } });
    expect(facts.event.data!.costUsd).toBeUndefined();
  });

  it('an error response is recorded as the event error, not as truncation', () => {
    const oMeta = { method: 'POST', host: 'api.openai.com', path: '/v1/chat/completions', headers: {} };
    const body = { model: 'gpt-4o', messages: [] };
    const obs = createLlmExchange(classify(oMeta, undefined, body), { ...oMeta, client: 'openai-sdk', body }).observer();
    obs.onHead(429, { 'content-type': 'application/json' });
    obs.onData(fixture('openai-chat/error-429.json'));
    const facts = obs.finish({ aborted: false, endedAt: Date.now(), status: 429 });
    expect(facts.event.error).toMatch(/^tokens: Rate limit reached/);
    expect(facts.event.data!.truncated).toBeUndefined();
  });

  it('a client that disconnects mid-stream: partial facts, aborted and truncated', () => {
    const oMeta = { method: 'POST', host: 'api.openai.com', path: '/v1/chat/completions', headers: {} };
    const body = { model: 'gpt-4o', stream: true, messages: [] };
    const obs = createLlmExchange(classify(oMeta, undefined, body), { ...oMeta, client: 'cursor', body }).observer();
    obs.onHead(200, { 'content-type': 'text/event-stream' });
    obs.onData(fixture('openai-chat/stream-truncated.sse'));
    const facts = obs.finish({ aborted: true, endedAt: Date.now(), error: 'client disconnected' });
    expect(facts.event.data).toMatchObject({ aborted: true, truncated: true, toolCalls: [{ name: 'read_file' }, { name: 'run_shell', incomplete: true }] });
    expect(facts.event.error).toBe('client disconnected');
    expect(facts.extraEvents[1].data).toMatchObject({ incomplete: true });
  });

  it('an LLM call Belay cannot parse (no api) still yields a base and a no-op observer', () => {
    const m = { method: 'GET', host: 'api.openai.com', path: '/v1/models', headers: {} };
    const ex = createLlmExchange(classify(m), { ...m, client: 'curl' });
    expect(ex.base).toMatchObject({ type: 'llm.request', provider: 'openai' });
    const obs = ex.observer();
    obs.onHead(200, { 'content-type': 'application/json' });
    const bytes = new TextEncoder().encode('{"data":[]}');
    expect(obs.onData(bytes)).toEqual([{ raw: bytes, events: [] }]);
    expect(obs.finish({ aborted: false, endedAt: Date.now(), status: 200 })).toMatchObject({ extraEvents: [], frames: [] });
  });
});
