import { anthropicMessagesParser } from './anthropic-messages.js';
import { geminiParser } from './gemini.js';
import { openaiChatParser } from './openai-chat.js';
import { openaiResponsesParser } from './openai-responses.js';
import type { LlmApi, LlmParser } from './types.js';

const parsers: Partial<Record<LlmApi, LlmParser>> = {
  'openai-chat': openaiChatParser,
  'openai-responses': openaiResponsesParser,
  'anthropic-messages': anthropicMessagesParser,
  gemini: geminiParser,
};

/** The parser for a wire format, or undefined when Belay cannot read that format yet. */
export function llmParserFor(api: LlmApi | undefined): LlmParser | undefined {
  return api === undefined ? undefined : parsers[api];
}
