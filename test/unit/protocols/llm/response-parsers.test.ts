import { describe, expect, it } from 'vitest';
import { anthropicMessagesParser } from '../../../../core/protocols/llm/anthropic-messages.js';
import { bedrockConverseParser } from '../../../../core/protocols/llm/bedrock-converse.js';
import { ollamaChatParser } from '../../../../core/protocols/llm/ollama-chat.js';
import { geminiParser } from '../../../../core/protocols/llm/gemini.js';
import { openaiChatParser } from '../../../../core/protocols/llm/openai-chat.js';
import { openaiResponsesParser } from '../../../../core/protocols/llm/openai-responses.js';
import { llmParserFor } from '../../../../core/protocols/llm/registry.js';
import { fixture, runParser } from '../../../helpers/llm-fixtures.js';

const SSE = { stream: true, contentType: 'text/event-stream; charset=utf-8' };
const JSON_CT = { stream: false, contentType: 'application/json' };
const enc = new TextEncoder();

describe('OpenAI chat completions', () => {
  it('assembles parallel streamed tool calls by index, with usage from the final chunk', () => {
    const run = runParser(openaiChatParser, [fixture('openai-chat/stream-parallel-tools.sse')], SSE);
    expect(run.summary).toMatchObject({
      model: 'gpt-4o-2024-08-06',
      responseId: 'chatcmpl-BxQ4ZPmVbN3kq8Tz7Yw1cE2fGhJkL',
      stopReason: 'tool_calls',
      truncated: false,
      usage: { inputTokens: 176, cacheReadTokens: 1024, outputTokens: 57, reasoningTokens: 0 },
      firstTokenAt: 1000,
    });
    expect(run.summary.error).toBeUndefined();
    expect(run.summary.toolCalls).toEqual([
      { id: 'call_Fx7tUq2wZ1', name: 'read_file', arguments: { path: '/etc/passwd' }, argumentsRaw: '{"path": "/etc/passwd"}', index: 0 },
      { id: 'call_K9pLmN3rT2', name: 'run_shell', arguments: { command: 'rm -rf ./build', cwd: 'caf\u00e9 \u2615' }, argumentsRaw: '{"command": "rm -rf ./build", "cwd": "caf\u00e9 \u2615"}', index: 1 },
    ]);
    const types = run.events.map((e) => e.type);
    expect(types.filter((t) => t === 'tool_use.start')).toHaveLength(2);
    expect(types.filter((t) => t === 'tool_use.done')).toHaveLength(2);
    expect(types[types.length - 1]).toBe('done');
    // One frame per SSE event: 12 data events.
    expect(run.frames).toHaveLength(12);
  });

  it('the tool_use.done events arrive in the frame that carries finish_reason, before [DONE]', () => {
    const run = runParser(openaiChatParser, [fixture('openai-chat/stream-parallel-tools.sse')], SSE);
    const idx = run.frames.findIndex((f) => f.events.some((e) => e.type === 'tool_use.done'));
    expect(new TextDecoder().decode(run.frames[idx].raw)).toContain('"finish_reason":"tool_calls"');
  });

  it('streams text events', () => {
    const run = runParser(openaiChatParser, [fixture('openai-chat/stream-text.sse')], SSE);
    const text = run.events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
    expect(text).toBe('Hello! How can I help you today? \u{1F600}');
    expect(run.summary).toMatchObject({ stopReason: 'stop', toolCalls: [], truncated: false, textChars: text.length });
    expect(run.summary.usage).toEqual({});
  });

  it('Mistral: whole tool calls without an index are separate calls', () => {
    const run = runParser(openaiChatParser, [fixture('openai-chat/mistral-stream-tools.sse')], SSE);
    expect(run.summary.toolCalls.map((c) => [c.id, c.name, c.arguments, c.index])).toEqual([
      ['D681PevKs', 'read_file', { path: 'README.md' }, 0],
      ['X92kLmQ1z', 'list_dir', { path: '.' }, 1],
    ]);
    expect(run.summary.usage).toMatchObject({ inputTokens: 95, outputTokens: 36 });
  });

  it('Ollama: parallel calls that all say index 0 are told apart by id', () => {
    const run = runParser(openaiChatParser, [fixture('openai-chat/ollama-stream-parallel.sse')], SSE);
    expect(run.summary.toolCalls.map((c) => [c.id, c.arguments])).toEqual([
      ['call_9xk2b1ad', { city: 'Toronto' }],
      ['call_3mvq8z0c', { city: 'Lyon' }],
    ]);
    expect(run.summary.toolCalls.map((c) => c.index)).toEqual([0, 1]);
    expect(run.summary.model).toBe('qwen3:8b');
  });

  it('a stream cut mid-arguments yields what was seen, marked truncated and incomplete', () => {
    const run = runParser(openaiChatParser, [fixture('openai-chat/stream-truncated.sse')], SSE);
    expect(run.summary.truncated).toBe(true);
    expect(run.summary.toolCalls[0]).toMatchObject({ name: 'read_file', arguments: { path: '/etc/passwd' } });
    expect(run.summary.toolCalls[1]).toMatchObject({ name: 'run_shell', incomplete: true, argumentsRaw: '{"comm' });
    expect(typeof run.summary.toolCalls[1].arguments).toBe('string');
    expect(run.events.some((e) => e.type === 'tool_use.done')).toBe(false);
  });

  it('parses a non-streamed body with two calls; the body passes through chunk by chunk', () => {
    const body = fixture('openai-chat/nonstream-tools.json');
    const run = runParser(openaiChatParser, [body.slice(0, 100), body.slice(100)], JSON_CT);
    expect(run.frames.slice(0, 2).every((f) => f.events.length === 0)).toBe(true);
    expect(run.summary).toMatchObject({ model: 'gpt-4o-mini-2024-07-18', stopReason: 'tool_calls', truncated: false, usage: { inputTokens: 82, outputTokens: 46, cacheReadTokens: 0 } });
    expect(run.summary.toolCalls.map((c) => c.arguments)).toEqual([{ city: 'Paris' }, { city: 'Tokyo' }]);
  });

  it('reads an HTTP error body into summary.error', () => {
    const run = runParser(openaiChatParser, [fixture('openai-chat/error-429.json')], JSON_CT);
    expect(run.summary.error).toMatch(/^Rate limit reached/);
    expect(run.summary.errorType).toBe('tokens');
    expect(run.events[0]).toMatchObject({ type: 'error' });
  });

  it('an error object mid-stream becomes an error event', () => {
    const input = enc.encode('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: {"error":{"message":"The server had an error","type":"server_error"}}\n\n');
    const run = runParser(openaiChatParser, [input], SSE);
    expect(run.summary).toMatchObject({ error: 'The server had an error', errorType: 'server_error', truncated: true });
  });

  it('Groq: usage under x_groq', () => {
    const input = enc.encode('data: {"id":"x","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"req_1","usage":{"prompt_tokens":40,"completion_tokens":9,"total_tokens":49}}}\n\ndata: [DONE]\n\n');
    const run = runParser(openaiChatParser, [input], SSE);
    expect(run.summary.usage).toEqual({ inputTokens: 40, outputTokens: 9 });
  });

  it('Azure: the empty prompt_filter_results chunk does not blank the model', () => {
    const input = enc.encode(
      'data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}\n\n' +
        'data: {"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop","content_filter_results":{}}],"created":1753712345,"id":"chatcmpl-az1","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk"}\n\ndata: [DONE]\n\n',
    );
    expect(runParser(openaiChatParser, [input], SSE).summary).toMatchObject({ model: 'gpt-4o-2024-11-20', responseId: 'chatcmpl-az1', truncated: false });
  });

  it('a JSON error body sent with an event-stream content type is still read', () => {
    const run = runParser(anthropicMessagesParser, [fixture('anthropic/error-overloaded.json')], SSE);
    expect(run.summary).toMatchObject({ error: 'Overloaded', errorType: 'overloaded_error', truncated: false });
    expect(Buffer.from(run.raw).equals(Buffer.from(fixture('anthropic/error-overloaded.json')))).toBe(true);
  });

  it('malformed data lines are recorded, not thrown', () => {
    const run = runParser(openaiChatParser, [enc.encode('data: {"choices":[\n\ndata: [DONE]\n\n')], SSE);
    expect(run.summary.error).toMatch(/malformed stream message/);
    expect(run.summary.truncated).toBe(false);
  });
});

describe('OpenAI Responses', () => {
  it('assembles function calls from output_item.added and argument deltas; usage from response.completed', () => {
    const run = runParser(openaiResponsesParser, [fixture('openai-responses/stream-tools.sse')], SSE);
    expect(run.summary).toMatchObject({
      model: 'gpt-4.1-2025-04-14',
      responseId: 'resp_68a1b2c3d4e5f60718293a4b5c6d7e8f',
      stopReason: 'completed',
      truncated: false,
      usage: { inputTokens: 512, cacheReadTokens: 1536, outputTokens: 77, reasoningTokens: 0 },
    });
    expect(run.summary.toolCalls).toEqual([
      { id: 'call_Zq1', name: 'read_file', arguments: { path: '~/.ssh/id_rsa' }, argumentsRaw: '{"path":"~/.ssh/id_rsa"}', index: 0 },
      { id: 'call_Zq2', name: 'http_get', arguments: { url: 'https://example.com/?q=\u00fc' }, argumentsRaw: '{"url":"https://example.com/?q=\u00fc"}', index: 1 },
    ]);
    expect(run.summary.textChars).toBe('Checking both files.'.length);
    expect(run.events[run.events.length - 1]).toEqual({ type: 'done' });
  });

  it('response.failed ends the stream with an error', () => {
    const run = runParser(openaiResponsesParser, [fixture('openai-responses/stream-failed.sse')], SSE);
    expect(run.summary).toMatchObject({ stopReason: 'failed', error: 'The model produced invalid content.', errorType: 'server_error', truncated: false });
  });

  it('parses a non-streamed response object', () => {
    const run = runParser(openaiResponsesParser, [fixture('openai-responses/nonstream-tools.json')], JSON_CT);
    expect(run.summary.toolCalls.map((c) => c.name)).toEqual(['read_file', 'http_get']);
    expect(run.summary).toMatchObject({ stopReason: 'completed', truncated: false, usage: { outputTokens: 77 } });
  });

  it('a stream without response.completed is truncated', () => {
    const bytes = fixture('openai-responses/stream-tools.sse');
    const text = new TextDecoder().decode(bytes);
    const cut = enc.encode(text.slice(0, text.indexOf('event: response.completed')));
    const run = runParser(openaiResponsesParser, [cut], SSE);
    expect(run.summary.truncated).toBe(true);
    expect(run.summary.toolCalls).toHaveLength(2);
    expect(run.summary.usage).toEqual({});
  });
});

describe('Anthropic Messages', () => {
  it('reads tool_use blocks, input_json_delta, cumulative usage (last wins), and ping', () => {
    const run = runParser(anthropicMessagesParser, [fixture('anthropic/stream-tools.sse')], SSE);
    expect(run.summary).toMatchObject({
      model: 'claude-sonnet-4-5-20250929',
      responseId: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      stopReason: 'tool_use',
      truncated: false,
      usage: { inputTokens: 472, cacheWriteTokens: 1200, cacheReadTokens: 8000, outputTokens: 134 },
    });
    expect(run.summary.toolCalls).toEqual([
      {
        id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        name: 'Bash',
        arguments: { command: 'cat ~/.aws/credentials', description: 'Read AWS creds' },
        argumentsRaw: '{"command": "cat ~/.aws/credentials", "description": "Read AWS creds"}',
        index: 0,
      },
      { id: 'toolu_01ABCDefGhiJKLmnOPqrSTuv', name: 'Read', arguments: { file_path: '/tmp/r\u00e9sum\u00e9.txt' }, argumentsRaw: '{"file_path": "/tmp/r\u00e9sum\u00e9.txt"}', index: 1 },
    ]);
    // tool_use.done comes with the block's content_block_stop, not at the end.
    const doneFrame = run.frames.find((f) => f.events.some((e) => e.type === 'tool_use.done'));
    expect(new TextDecoder().decode(doneFrame!.raw)).toMatch(/^event: content_block_stop/);
  });

  it('a tool_use with no input deltas gets {} (its declared input)', () => {
    const run = runParser(anthropicMessagesParser, [fixture('anthropic/stream-tool-no-args.sse')], SSE);
    expect(run.summary.toolCalls).toEqual([{ id: 'toolu_empty', name: 'list_tabs', arguments: {}, argumentsRaw: '{}', index: 0 }]);
  });

  it('overloaded_error mid-stream lands in summary.error', () => {
    const run = runParser(anthropicMessagesParser, [fixture('anthropic/stream-overloaded.sse')], SSE);
    expect(run.summary).toMatchObject({ error: 'Overloaded', errorType: 'overloaded_error', truncated: true });
    expect(run.events).toContainEqual({ type: 'error', message: 'Overloaded', errorType: 'overloaded_error' });
  });

  it('a truncated stream keeps the partial call, marked incomplete', () => {
    const run = runParser(anthropicMessagesParser, [fixture('anthropic/stream-truncated.sse')], SSE);
    expect(run.summary.truncated).toBe(true);
    expect(run.summary.toolCalls).toHaveLength(1);
    expect(run.summary.toolCalls[0]).toMatchObject({ name: 'Bash', incomplete: true });
    expect(run.summary.usage).toMatchObject({ inputTokens: 472, outputTokens: 2 });
  });

  it('parses a non-streamed message and an error body', () => {
    const ok = runParser(anthropicMessagesParser, [fixture('anthropic/nonstream-tools.json')], JSON_CT);
    expect(ok.summary).toMatchObject({ model: 'claude-haiku-4-5-20251001', stopReason: 'tool_use', truncated: false, usage: { inputTokens: 384, outputTokens: 112 } });
    expect(ok.summary.toolCalls.map((c) => c.arguments)).toEqual([
      { location: 'San Francisco, CA', unit: 'celsius' },
      { location: 'New York, NY', unit: 'celsius' },
    ]);
    const err = runParser(anthropicMessagesParser, [fixture('anthropic/error-overloaded.json')], JSON_CT);
    expect(err.summary).toMatchObject({ error: 'Overloaded', errorType: 'overloaded_error' });
  });
});

describe('Gemini', () => {
  const expectGeminiStream = (run: ReturnType<typeof runParser>) => {
    expect(run.summary).toMatchObject({
      model: 'gemini-2.5-flash',
      stopReason: 'STOP',
      truncated: false,
      usage: { inputTokens: 54, cacheReadTokens: 256, outputTokens: 161, reasoningTokens: 120 },
    });
    expect(run.summary.toolCalls).toEqual([
      { name: 'get_weather', arguments: { city: 'Z\u00fcrich' }, argumentsRaw: '{"city":"Z\u00fcrich"}', index: 0 },
      { name: 'get_time', arguments: { tz: 'Europe/Zurich' }, argumentsRaw: '{"tz":"Europe/Zurich"}', index: 1 },
    ]);
    expect(run.events.filter((e) => e.type === 'text' && e.reasoning)).toHaveLength(1);
  };

  it('reads the JSON-array stream element by element', () => {
    const run = runParser(geminiParser, [fixture('gemini/stream-array.json')], { stream: true, contentType: 'application/json; charset=UTF-8' });
    expectGeminiStream(run);
    // three elements + the closing bracket
    expect(run.frames).toHaveLength(4);
    expect(new TextDecoder().decode(run.frames[1].raw).startsWith('\n,\r\n{')).toBe(true);
  });

  it('reads the ?alt=sse stream', () => {
    expectGeminiStream(runParser(geminiParser, [fixture('gemini/stream.sse')], SSE));
  });

  it('a JSON-array stream cut short is truncated and keeps the calls seen', () => {
    const run = runParser(geminiParser, [fixture('gemini/stream-array-truncated.json')], { stream: true, contentType: 'application/json' });
    expect(run.summary.truncated).toBe(true);
    expect(run.summary.toolCalls).toEqual([]);
    expect(run.summary.textChars).toBeGreaterThan(0);
  });

  it('parses a non-streamed body and an error body', () => {
    const ok = runParser(geminiParser, [fixture('gemini/nonstream-tools.json')], JSON_CT);
    expect(ok.summary.toolCalls).toMatchObject([{ name: 'search_docs', arguments: { query: 'rotate keys', limit: 3 } }]);
    expect(ok.summary).toMatchObject({ usage: { inputTokens: 95, outputTokens: 22 }, truncated: false });
    const err = runParser(geminiParser, [fixture('gemini/error-403.json')], JSON_CT);
    expect(err.summary).toMatchObject({ errorType: 'PERMISSION_DENIED', truncated: false });
    expect(err.summary.error).toMatch(/unregistered callers/);
  });
});

describe('bad input never throws', () => {
  const parsers = [openaiChatParser, openaiResponsesParser, anthropicMessagesParser, geminiParser, bedrockConverseParser, ollamaChatParser];
  const inputs = ['', '   ', 'not json at all', '{"broken": ', '[{"a":1}, {"b"', 'data: {"x":\n\n', '\u0000\u0001\u0002', '<html>502 Bad Gateway</html>'];
  for (const p of parsers) {
    for (const input of inputs) {
      for (const stream of [true, false]) {
        it(`${p.api} stream=${stream} ${JSON.stringify(input).slice(0, 24)}`, () => {
          const bytes = enc.encode(input);
          for (const contentType of [undefined, 'text/event-stream', 'application/json', 'application/vnd.amazon.eventstream', 'application/x-ndjson']) {
            const run = runParser(p, [bytes], { stream, contentType });
            expect(Buffer.from(run.raw).equals(Buffer.from(bytes))).toBe(true);
            expect(run.summary.truncated || run.summary.error !== undefined).toBe(true);
          }
        });
      }
    }
  }
});

describe('registry', () => {
  it('returns the parser for each supported API and undefined otherwise', () => {
    expect(llmParserFor('openai-chat')).toBe(openaiChatParser);
    expect(llmParserFor('gemini')).toBe(geminiParser);
    expect(llmParserFor('bedrock-converse')).toBe(bedrockConverseParser);
    expect(llmParserFor('ollama-chat')).toBe(ollamaChatParser);
    expect(llmParserFor(undefined)).toBeUndefined();
  });
});
