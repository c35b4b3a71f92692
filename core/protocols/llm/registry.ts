import { anthropicMessagesParser } from './anthropic-messages.js';
import { bedrockConverseParser } from './bedrock-converse.js';
import { geminiParser } from './gemini.js';
import { openaiChatParser } from './openai-chat.js';
import { ollamaChatParser } from './ollama-chat.js';
import { openaiResponsesParser } from './openai-responses.js';
import type { LlmApi, LlmParser } from './types.js';

const parsers: Record<LlmApi, LlmParser> = {
  'openai-chat': openaiChatParser,
  'openai-responses': openaiResponsesParser,
  'anthropic-messages': anthropicMessagesParser,
  gemini: geminiParser,
  'bedrock-converse': bedrockConverseParser,
  'ollama-chat': ollamaChatParser,
};

/** The parser for a wire format (undefined for an unknown or missing api). */
export function llmParserFor(api: LlmApi | undefined): LlmParser | undefined {
  return api === undefined ? undefined : parsers[api];
}
