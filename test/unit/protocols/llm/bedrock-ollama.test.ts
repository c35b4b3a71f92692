import { describe, expect, it } from 'vitest';
import { anthropicMessagesParser } from '../../../../core/protocols/llm/anthropic-messages.js';
import { createEventStreamFramer, crc32, encodeEventStreamMessage } from '../../../../core/protocols/llm/aws-eventstream.js';
import { bedrockConverseParser } from '../../../../core/protocols/llm/bedrock-converse.js';
import { llmStreamErrorBytes, streamFramingOf } from '../../../../core/protocols/llm/errors.js';
import { ollamaChatParser } from '../../../../core/protocols/llm/ollama-chat.js';
import { chunked, fixture, runParser } from '../../../helpers/llm-fixtures.js';

const ES = { stream: true, contentType: 'application/vnd.amazon.eventstream' };
const enc = new TextEncoder();

describe('AWS event-stream framing', () => {
  it('crc32 matches zlib (IEEE)', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
  });

  it('frames messages at any chunking, reading headers and payload', () => {
    const msg = encodeEventStreamMessage({ ':event-type': 'messageStart', ':message-type': 'event' }, enc.encode('{"role":"assistant"}'));
    const two = new Uint8Array([...msg, ...msg]);
    const f = createEventStreamFramer();
    const out = chunked(two, [3]).flatMap((c) => f.push(c));
    expect(out).toHaveLength(2);
    expect(out[0].headers).toEqual({ ':event-type': 'messageStart', ':message-type': 'event' });
    expect(new TextDecoder().decode(out[0].payload)).toBe('{"role":"assistant"}');
    expect(out[0].corrupt).toBeUndefined();
    expect(f.end().rest).toHaveLength(0);
  });

  it('flags a message whose CRC does not match, and passes an absurd length through unframed', () => {
    const msg = encodeEventStreamMessage({ ':event-type': 'x' }, enc.encode('{}'));
    msg[msg.length - 5] ^= 0xff;
    expect(createEventStreamFramer().push(msg)[0].corrupt).toBe(true);
    const f = createEventStreamFramer();
    const junk = enc.encode('<html>not an event stream at all</html>');
    const frames = f.push(junk);
    expect(Buffer.concat(frames.map((x) => x.raw)).equals(Buffer.from(junk))).toBe(true);
    expect(frames[0].corrupt).toBe(true);
  });
});

describe('Bedrock Converse', () => {
  it('reads ConverseStream: text, a streamed toolUse, stop reason and usage', () => {
    const run = runParser(bedrockConverseParser, [fixture('bedrock/converse-stream-tools.bin')], ES);
    expect(run.summary).toMatchObject({ stopReason: 'tool_use', truncated: false, usage: { inputTokens: 423, outputTokens: 67, cacheReadTokens: 1024, cacheWriteTokens: 0 } });
    expect(run.summary.toolCalls).toEqual([
      { id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', arguments: { city: 'S\u00e3o Paulo', unit: 'C' }, argumentsRaw: '{"city": "S\u00e3o Paulo", "unit": "C"}', index: 0 },
    ]);
    expect(run.summary.textChars).toBe('Let me check the weather in S\u00e3o Paulo.'.length);
    expect(run.frames).toHaveLength(11);
  });

  it('an exception message mid-stream lands in summary.error', () => {
    const run = runParser(bedrockConverseParser, [fixture('bedrock/converse-stream-throttled.bin')], ES);
    expect(run.summary).toMatchObject({ error: 'Too many requests, please wait before trying again.', errorType: 'throttlingException', truncated: true });
  });

  it('reads a non-streamed Converse response and an error body', () => {
    const run = runParser(bedrockConverseParser, [fixture('bedrock/converse-tools.json')], { stream: false, contentType: 'application/json' });
    expect(run.summary).toMatchObject({ stopReason: 'tool_use', truncated: false, usage: { inputTokens: 310, outputTokens: 52 } });
    expect(run.summary.toolCalls).toMatchObject([{ id: 'tooluse_Xy12', name: 'search_files', arguments: { query: 'quarterly report' } }]);
    const err = runParser(bedrockConverseParser, [enc.encode('{"message":"The security token included in the request is invalid."}')], { stream: false, contentType: 'application/json' });
    expect(err.summary.error).toMatch(/security token/);
  });

  it('InvokeModelWithResponseStream: Anthropic events unwrapped from base64 chunks', () => {
    const run = runParser(anthropicMessagesParser, [fixture('bedrock/invoke-stream-anthropic.bin')], ES);
    expect(run.summary).toMatchObject({ model: 'claude-sonnet-4-5-20250929', stopReason: 'tool_use', truncated: false, usage: { inputTokens: 21, outputTokens: 30 } });
    expect(run.summary.toolCalls).toMatchObject([{ id: 'toolu_bdrk_01', name: 'Bash', arguments: { command: 'ls' } }]);
  });

  it("Belay's event-stream refusal is read back as an error", () => {
    const bytes = llmStreamErrorBytes('bedrock-converse', 'Refused by Belay');
    const run = runParser(bedrockConverseParser, [bytes], ES);
    expect(run.summary).toMatchObject({ error: 'Refused by Belay', errorType: 'validationException' });
    expect(streamFramingOf('bedrock-converse', 'application/vnd.amazon.eventstream')).toBe('eventstream');
  });

  it('parses a Converse request', () => {
    const facts = bedrockConverseParser.parseRequest({
      system: [{ text: 'You are terse.' }],
      toolConfig: { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: {} } } }] },
      messages: [
        { role: 'user', content: [{ text: 'Weather?' }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: {} } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ json: { temp: 30 } }], status: 'success' } }] },
      ],
    });
    expect(facts).toEqual({
      stream: false,
      toolsOffered: ['get_weather'],
      system: 'You are terse.',
      messageCount: 3,
      texts: ['You are terse.', 'Weather?', '{"temp":30}'],
      toolResults: [{ toolCallId: 't1', name: 'get_weather', text: '{"temp":30}' }],
    });
  });
});

describe('Ollama native chat', () => {
  it('reads the NDJSON stream: whole tool calls, done line with counts', () => {
    const run = runParser(ollamaChatParser, [fixture('ollama/chat-stream-tools.ndjson')], { stream: true, contentType: 'application/x-ndjson' });
    expect(run.summary).toMatchObject({ model: 'llama3.2', stopReason: 'stop', truncated: false, usage: { inputTokens: 26, outputTokens: 282 } });
    expect(run.summary.toolCalls.map((c) => [c.name, c.arguments, c.index])).toEqual([
      ['get_weather', { city: 'Toronto' }, 0],
      ['get_weather', { city: 'Montr\u00e9al' }, 1],
    ]);
    expect(run.frames).toHaveLength(3);
  });

  it('an error body ends the answer with summary.error', () => {
    const run = runParser(ollamaChatParser, [fixture('ollama/chat-error.json')], { stream: true, contentType: 'application/json; charset=utf-8' });
    expect(run.summary).toMatchObject({ error: 'model "llama9" not found, try pulling it first', truncated: false });
  });

  it('request: streams by default, tool results named by tool_name', () => {
    const facts = ollamaChatParser.parseRequest({
      model: 'llama3.2',
      tools: [{ type: 'function', function: { name: 'get_weather' } }],
      messages: [
        { role: 'user', content: 'weather in Toronto?' },
        { role: 'tool', content: '11 degrees', tool_name: 'get_weather' },
      ],
    });
    expect(facts).toMatchObject({ model: 'llama3.2', stream: true, toolsOffered: ['get_weather'], toolResults: [{ name: 'get_weather', text: '11 degrees' }] });
    expect(ollamaChatParser.parseRequest({ model: 'x', stream: false }).stream).toBe(false);
  });
});
