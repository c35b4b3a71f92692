/**
 * What the LLM parsers extract, the same shape for every provider's wire format, so the
 * detectors, policy and audit never need to know which API a copilot spoke.
 */

/** The wire formats Belay can read. */
export type LlmApi =
  | 'openai-chat'
  | 'openai-responses'
  | 'anthropic-messages'
  | 'gemini'
  | 'bedrock-converse'
  | 'ollama-chat';

export interface LlmToolResult {
  toolCallId?: string;
  name?: string;
  text: string;
}

/** Facts about an outbound request body. */
export interface LlmRequestFacts {
  model?: string;
  stream: boolean;
  /** Names of the tools the model was offered (built-in tools by their type, e.g. `web_search`). */
  toolsOffered: string[];
  system?: string;
  messageCount: number;
  /** Every piece of outbound text worth scanning: system, user and developer messages, tool results sent back. */
  texts: string[];
  toolResults: LlmToolResult[];
}

export interface LlmToolCall {
  /** The provider's call id (OpenAI `call_…`, Anthropic `toolu_…`, Responses `call_id`); Gemini may have none. */
  id?: string;
  name: string;
  /** Parsed JSON arguments, or the raw string when it does not parse. */
  arguments: unknown;
  argumentsRaw: string;
  /** Position of the call in the response (0-based, unique within a response). */
  index: number;
  /** Set when the stream ended before the call was complete. */
  incomplete?: true;
}

export type LlmStreamEvent =
  | { type: 'text'; text: string; reasoning?: true }
  | { type: 'tool_use.start'; index: number; id?: string; name: string }
  | { type: 'tool_use.done'; call: LlmToolCall }
  | { type: 'error'; message: string; errorType?: string }
  | { type: 'done' };

/** One unit the proxy forwards: an SSE event, a JSON-array element, or a chunk of a plain body. */
export interface LlmFrame {
  raw: Uint8Array;
  events: LlmStreamEvent[];
}

/**
 * Token counts, normalised across providers so cost is a plain sum:
 * `inputTokens` are the input tokens billed at the full input price (cached ones are in
 * `cacheReadTokens`, cache writes in `cacheWriteTokens`); `outputTokens` are all billed
 * output tokens, reasoning included (`reasoningTokens` says how many of them were reasoning).
 */
export interface LlmUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export interface LlmResponseSummary {
  model?: string;
  /** The provider's response id (chatcmpl-…, msg_…, resp_…), when it sent one. */
  responseId?: string;
  toolCalls: LlmToolCall[];
  stopReason?: string;
  usage: LlmUsage;
  /** A provider error (HTTP error body or an error event mid-stream), or a malformed stream. */
  error?: string;
  errorType?: string;
  /** The stream or body ended before the format's own end marker. */
  truncated: boolean;
  /** A plain body larger than the parser's cap: passed through, not parsed. */
  oversize?: true;
  /** Date.now() when the first content (text or tool call) passed. */
  firstTokenAt?: number;
  /** Characters of output text seen (reasoning excluded). */
  textChars: number;
}

export interface LlmResponseParserOptions {
  stream: boolean;
  contentType?: string;
  /** Plain (non-stream) bodies larger than this are passed through unparsed. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Clock for firstTokenAt; tests pass a fixed one. */
  now?: () => number;
}

export interface LlmResponseParser {
  push(chunk: Uint8Array): LlmFrame[];
  end(): { frames: LlmFrame[]; summary: LlmResponseSummary };
}

export interface LlmParser {
  api: LlmApi;
  parseRequest(body: unknown): LlmRequestFacts;
  createResponseParser(opts: LlmResponseParserOptions): LlmResponseParser;
}
