/**
 * Refusals in each provider's own error shape, so the copilot's SDK raises its usual,
 * readable error ("403 … refused by Belay: …") instead of choking on a foreign body.
 */
import { encodeEventStreamMessage } from './aws-eventstream.js';
import type { LlmApi } from './types.js';

export interface LlmErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  429: 'rate_limit_exceeded',
};

// google.rpc.Code names, as the Gemini API puts them in error.status.
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const anthropicType = (status: number): string => ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
const openaiType = (status: number): string => OPENAI_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
const googleStatus = (status: number): string => GOOGLE_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');

/** The JSON error body a provider would send for this status. */
function errorBody(api: LlmApi, status: number, message: string): unknown {
  switch (api) {
    case 'anthropic-messages':
      return { type: 'error', error: { type: anthropicType(status), message } };
    case 'gemini':
      return { error: { code: status, message, status: googleStatus(status) } };
    case 'bedrock-converse':
      return { message };
    case 'ollama-chat':
      return { error: message };
    case 'openai-chat':
    case 'openai-responses':
    default:
      return { error: { message, type: openaiType(status), param: null, code: 'belay_refused' } };
  }
}

export function llmErrorResponse(api: LlmApi, opts: { status: number; message: string }): LlmErrorResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    // The OpenAI and Anthropic SDKs retry 429/5xx unless told not to; a refusal is final.
    'x-should-retry': 'false',
  };
  if (api === 'bedrock-converse') headers['x-amzn-errortype'] = opts.status === 403 ? 'AccessDeniedException' : 'ValidationException';
  return { status: opts.status, headers, body: JSON.stringify(errorBody(api, opts.status, opts.message)) };
}

/**
 * The bytes of the provider's own mid-stream error event, to end a held stream that was
 * refused. Each form is one the official SDKs turn into a thrown API error.
 */
export function llmStreamErrorFrame(api: LlmApi, message: string, opts: { framing?: 'sse' | 'json-array' | 'ndjson' } = {}): string {
  if (api === 'ollama-chat' && opts.framing !== 'sse') opts = { ...opts, framing: 'ndjson' };
  switch (api) {
    case 'anthropic-messages':
      return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'permission_error', message } })}\n\n`;
    case 'openai-responses':
      // The documented `error` event has top-level code/message; the SDK throws on an `error` field.
      return `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'belay_refused', message, param: null, error: { type: 'permission_error', code: 'belay_refused', message } })}\n\n`;
    case 'gemini': {
      const body = JSON.stringify({ error: { code: 403, message, status: 'PERMISSION_DENIED' } });
      // In the JSON-array stream the error is one more element, then the array closes.
      return opts.framing === 'json-array' ? `,\r\n${body}\n]` : `data: ${body}\r\n\r\n`;
    }
    case 'ollama-chat':
      return `${JSON.stringify({ error: message })}\n`;
    case 'openai-chat':
    case 'bedrock-converse':
    default:
      return `data: ${JSON.stringify({ error: { message, type: 'permission_error', param: null, code: 'belay_refused' } })}\n\n`;
  }
}

export type StreamFraming = 'sse' | 'json-array' | 'ndjson' | 'eventstream';

/**
 * The same refusal as bytes, for any framing, including Bedrock's binary AWS event-stream
 * (an exception message the AWS SDKs raise as a ValidationException with our text).
 */
export function llmStreamErrorBytes(api: LlmApi, message: string, opts: { framing?: StreamFraming } = {}): Uint8Array {
  const enc = new TextEncoder();
  if (opts.framing === 'eventstream' || (api === 'bedrock-converse' && opts.framing === undefined)) {
    return encodeEventStreamMessage(
      { ':message-type': 'exception', ':exception-type': 'validationException', ':content-type': 'application/json' },
      enc.encode(JSON.stringify({ message })),
    );
  }
  return enc.encode(llmStreamErrorFrame(api, message, { framing: opts.framing }));
}

/** The framing a response uses, from its content type (and the API, for bodies that do not say). */
export function streamFramingOf(api: LlmApi, contentType: string | undefined): StreamFraming {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('text/event-stream')) return 'sse';
  if (ct.includes('vnd.amazon.eventstream')) return 'eventstream';
  if (ct.includes('ndjson')) return 'ndjson';
  if (api === 'gemini' && ct.includes('json')) return 'json-array';
  if (api === 'ollama-chat') return 'ndjson';
  if (api === 'bedrock-converse') return 'eventstream';
  return 'sse';
}
