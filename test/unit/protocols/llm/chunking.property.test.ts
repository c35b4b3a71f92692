import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anthropicMessagesParser } from '../../../../core/protocols/llm/anthropic-messages.js';
import { bedrockConverseParser } from '../../../../core/protocols/llm/bedrock-converse.js';
import { geminiParser } from '../../../../core/protocols/llm/gemini.js';
import { ollamaChatParser } from '../../../../core/protocols/llm/ollama-chat.js';
import { openaiChatParser } from '../../../../core/protocols/llm/openai-chat.js';
import { openaiResponsesParser } from '../../../../core/protocols/llm/openai-responses.js';
import type { LlmParser, LlmResponseParserOptions } from '../../../../core/protocols/llm/types.js';
import { chunked, fixture, runParser } from '../../../helpers/llm-fixtures.js';

const SSE: LlmResponseParserOptions = { stream: true, contentType: 'text/event-stream' };
const JSON_BODY: LlmResponseParserOptions = { stream: false, contentType: 'application/json' };
const EVENTSTREAM: LlmResponseParserOptions = { stream: true, contentType: 'application/vnd.amazon.eventstream' };

const cases: [LlmParser, string, LlmResponseParserOptions][] = [
  [openaiChatParser, 'openai-chat/stream-parallel-tools.sse', SSE],
  [openaiChatParser, 'openai-chat/stream-text.sse', SSE],
  [openaiChatParser, 'openai-chat/stream-truncated.sse', SSE],
  [openaiChatParser, 'openai-chat/mistral-stream-tools.sse', SSE],
  [openaiChatParser, 'openai-chat/ollama-stream-parallel.sse', SSE],
  [openaiChatParser, 'openai-chat/nonstream-tools.json', JSON_BODY],
  [openaiResponsesParser, 'openai-responses/stream-tools.sse', SSE],
  [openaiResponsesParser, 'openai-responses/nonstream-tools.json', JSON_BODY],
  [anthropicMessagesParser, 'anthropic/stream-tools.sse', SSE],
  [anthropicMessagesParser, 'anthropic/stream-overloaded.sse', SSE],
  [anthropicMessagesParser, 'anthropic/stream-truncated.sse', SSE],
  [geminiParser, 'gemini/stream-array.json', { stream: true, contentType: 'application/json' }],
  [geminiParser, 'gemini/stream-array-truncated.json', { stream: true }],
  [geminiParser, 'gemini/stream.sse', SSE],
  [geminiParser, 'gemini/nonstream-tools.json', JSON_BODY],
  [bedrockConverseParser, 'bedrock/converse-stream-tools.bin', EVENTSTREAM],
  [bedrockConverseParser, 'bedrock/converse-stream-throttled.bin', EVENTSTREAM],
  [anthropicMessagesParser, 'bedrock/invoke-stream-anthropic.bin', EVENTSTREAM],
  [ollamaChatParser, 'ollama/chat-stream-tools.ndjson', { stream: true, contentType: 'application/x-ndjson' }],
  [ollamaChatParser, 'ollama/chat-stream-tools.ndjson', { stream: true }],
];

const sizes = fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 6 });

describe('any chunking gives the same summary, events and bytes as the whole input', () => {
  for (const [parser, name, opts] of cases) {
    it(`${parser.api}: ${name}`, () => {
      const input = fixture(name);
      const whole = runParser(parser, [input], opts);
      expect(Buffer.from(whole.raw).equals(Buffer.from(input))).toBe(true);
      const check = (chunks: Uint8Array[]) => {
        const split = runParser(parser, chunks, opts);
        expect(Buffer.from(split.raw).equals(Buffer.from(input))).toBe(true);
        expect(split.summary).toEqual(whole.summary);
        expect(split.events).toEqual(whole.events);
      };
      check(chunked(input, [1])); // one byte at a time: splits every multi-byte character
      fc.assert(fc.property(sizes, (s) => check(chunked(input, s))), { numRuns: 60 });
    });
  }
});
