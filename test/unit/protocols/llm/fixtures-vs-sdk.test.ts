// The fixtures must be what the providers really send: the official SDKs' own stream
// accumulators read each streamed fixture, and Belay's parser must reach the same result.
// A local server serves the fixture bytes (the provider cannot be real here).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessagesParser } from '../../../../core/protocols/llm/anthropic-messages.js';
import { openaiChatParser } from '../../../../core/protocols/llm/openai-chat.js';
import { openaiResponsesParser } from '../../../../core/protocols/llm/openai-responses.js';
import { fixture, runParser } from '../../../helpers/llm-fixtures.js';

let body = new Uint8Array(0);
let server: http.Server;
let baseURL: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const SSE = { stream: true, contentType: 'text/event-stream' };

describe('streamed fixtures read the same through the official SDKs and Belay', () => {
  it('openai chat with parallel tool calls', async () => {
    body = fixture('openai-chat/stream-parallel-tools.sse');
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${baseURL}/v1`, maxRetries: 0 });
    const final = await client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion();
    const ours = runParser(openaiChatParser, [body], SSE).summary;
    const sdkCalls = (final.choices[0].message.tool_calls ?? []).map((c) => (c.type === 'function' ? { id: c.id, name: c.function.name, argumentsRaw: c.function.arguments } : {}));
    expect(ours.toolCalls.map((c) => ({ id: c.id, name: c.name, argumentsRaw: c.argumentsRaw }))).toEqual(sdkCalls);
    expect(ours.stopReason).toBe(final.choices[0].finish_reason);
    expect(final.usage?.completion_tokens).toBe(ours.usage.outputTokens);
  });

  it('openai responses with function calls', async () => {
    body = fixture('openai-responses/stream-tools.sse');
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${baseURL}/v1`, maxRetries: 0 });
    const final = await client.responses.stream({ model: 'gpt-4.1', input: 'hi' }).finalResponse();
    const ours = runParser(openaiResponsesParser, [body], SSE).summary;
    const sdkCalls = final.output.flatMap((o) => (o.type === 'function_call' ? [{ id: o.call_id, name: o.name, argumentsRaw: o.arguments }] : []));
    expect(ours.toolCalls.map((c) => ({ id: c.id, name: c.name, argumentsRaw: c.argumentsRaw }))).toEqual(sdkCalls);
    expect(final.usage?.output_tokens).toBe(ours.usage.outputTokens);
  });

  it('anthropic messages with tool_use blocks', async () => {
    body = fixture('anthropic/stream-tools.sse');
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL, maxRetries: 0 });
    const final = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    const ours = runParser(anthropicMessagesParser, [body], SSE).summary;
    const sdkCalls = final.content.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, name: b.name, arguments: b.input }] : []));
    expect(ours.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }))).toEqual(sdkCalls);
    expect(ours.stopReason).toBe(final.stop_reason);
    expect(ours.usage).toMatchObject({ outputTokens: final.usage.output_tokens, inputTokens: final.usage.input_tokens, cacheReadTokens: final.usage.cache_read_input_tokens });
  });
});
