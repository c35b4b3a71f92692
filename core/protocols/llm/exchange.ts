/**
 * One LLM call as the proxy handles it: the request's guard action and audit base, a
 * response observer that parses the stream as it passes, and the refusal in the
 * provider's own shape. This is the glue between the wire-format parsers and the proxy's
 * analyzer; it stays pure (no I/O) so it is tested without a proxy.
 *
 * The audit fields it writes are the ones the rest of Belay reads: data.usage
 * { inputTokens, outputTokens, … }, data.costUsd (a number, absent when unknown),
 * data.toolCalls [{ id, name, arguments }], and one `llm.tool_use` event per tool call.
 */
import type { NewAuditEvent } from '../../../shared/events.js';
import type { GuardAction } from '../../pipeline/action.js';
import type { Classification } from '../classify.js';
import { costOf } from './cost.js';
import { llmErrorResponse, llmStreamErrorBytes, streamFramingOf, type LlmErrorResponse } from './errors.js';
import { llmParserFor } from './registry.js';
import type { LlmApi, LlmFrame, LlmRequestFacts, LlmResponseParser, LlmResponseSummary, LlmToolCall } from './types.js';

export interface LlmExchangeRequest {
  method: string;
  host: string;
  /** Path with query, credentials already redacted (it is stored). */
  path: string;
  client: string;
  /** Parsed JSON body, when it was read and parsed. */
  body?: unknown;
  /** The body was cut at the inspection cap: facts may be missing. */
  bodyTruncated?: boolean;
}

export interface LlmResponseHead {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface LlmExchangeOutcome {
  status?: number;
  error?: string;
  aborted: boolean;
  endedAt: number;
}

export interface LlmExchangeFacts {
  event: Partial<NewAuditEvent>;
  extraEvents: NewAuditEvent[];
  summary?: LlmResponseSummary;
  /** Frames still held by the parser at the end (an unterminated last event): forward them too. */
  frames: LlmFrame[];
}

export interface LlmExchange {
  api?: LlmApi;
  facts: LlmRequestFacts;
  /** Audit fields known at request time. */
  base: Partial<NewAuditEvent>;
  /** What the guard judges before the request leaves. */
  action: GuardAction;
  /** The provider's own error response, to refuse the request. */
  refuse(message: string, status?: number): LlmErrorResponse;
  /** Watches the response. Feed it decoded bytes; frames come back for a proxy that holds. */
  observer(): LlmResponseObserver;
}

export interface LlmResponseObserver {
  onHead(status: number, headers: Record<string, string | string[] | undefined>): void;
  /**
   * Parses as bytes pass; returns the frames completed by this chunk (raw bytes + events).
   * Every byte comes back in exactly one frame, here or in finish().frames.
   */
  onData(chunk: Uint8Array): LlmFrame[];
  /** Tool calls completed so far (for a proxy deciding whether to hold the rest of the stream). */
  toolCalls(): LlmToolCall[];
  /** Bytes that end a held stream with the provider's own error event. */
  streamRefusal(message: string): Uint8Array;
  finish(outcome: LlmExchangeOutcome): LlmExchangeFacts;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

const EMPTY_FACTS: LlmRequestFacts = { stream: false, toolsOffered: [], messageCount: 0, texts: [], toolResults: [] };

export function createLlmExchange(cls: Classification, req: LlmExchangeRequest, startedAt = Date.now()): LlmExchange {
  const api = cls.api;
  const parser = llmParserFor(api);
  const facts: LlmRequestFacts = parser && req.body !== undefined ? parser.parseRequest(req.body) : { ...EMPTY_FACTS };
  // Gemini and Bedrock name the model and streaming in the URL, not the body.
  const model = facts.model ?? cls.model;
  const stream = cls.stream === true || facts.stream;
  const provider = cls.provider;

  const data: Record<string, unknown> = { api, stream, toolsOffered: facts.toolsOffered, messageCount: facts.messageCount };
  if (facts.toolResults.length > 0) data.toolResults = facts.toolResults.map((r) => ({ toolCallId: r.toolCallId, name: r.name, chars: r.text.length }));
  if (req.bodyTruncated) data.bodyTruncated = true;
  const base: Partial<NewAuditEvent> = { type: 'llm.request', protocol: 'llm', provider, model, method: req.method, host: req.host, path: req.path, data };

  const action: GuardAction = {
    kind: 'llm.request',
    client: req.client,
    transport: 'proxy',
    host: req.host,
    path: req.path,
    method: req.method,
    provider,
    model,
    texts: facts.texts,
  };

  const errorApi: LlmApi = api ?? 'openai-chat';

  return {
    api,
    facts,
    base,
    action,
    refuse: (message, status = 403) => llmErrorResponse(errorApi, { status, message }),
    observer: () => createObserver({ api, errorApi, stream, provider, model, req, startedAt }),
  };
}

interface ObserverContext {
  api?: LlmApi;
  errorApi: LlmApi;
  stream: boolean;
  provider?: string;
  model?: string;
  req: LlmExchangeRequest;
  startedAt: number;
}

function createObserver(ctx: ObserverContext): LlmResponseObserver {
  let parser: LlmResponseParser | undefined;
  let status: number | undefined;
  let contentType: string | undefined;
  const calls: LlmToolCall[] = [];

  const ensure = (): LlmResponseParser | undefined => {
    if (!parser) parser = llmParserFor(ctx.api)?.createResponseParser({ stream: ctx.stream, contentType });
    return parser;
  };
  const collect = (frames: LlmFrame[]): LlmFrame[] => {
    for (const f of frames) for (const e of f.events) if (e.type === 'tool_use.done') calls.push(e.call);
    return frames;
  };

  return {
    onHead(s, headers) {
      status = s;
      contentType = first(headers['content-type']);
    },
    onData(chunk) {
      const p = ensure();
      // No parser for this API: the bytes still come back as a frame, so a proxy that
      // forwards frame by frame never loses any.
      return p ? collect(p.push(chunk)) : [{ raw: chunk, events: [] }];
    },
    toolCalls: () => [...calls],
    streamRefusal: (message) => llmStreamErrorBytes(ctx.errorApi, message, { framing: streamFramingOf(ctx.errorApi, contentType) }),
    finish(outcome) {
      const end = parser?.end();
      const summary = end?.summary;
      const event: Partial<NewAuditEvent> = {};
      const data: Record<string, unknown> = {};
      const model = summary?.model ?? ctx.model;
      if (model !== undefined) event.model = model;
      if (summary) {
        data.usage = summary.usage;
        const cost = costOf(ctx.provider, model, summary.usage);
        if (cost !== 'unknown') data.costUsd = cost;
        else data.cost = 'unknown';
        if (summary.toolCalls.length > 0) data.toolCalls = summary.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, ...(c.incomplete ? { incomplete: true } : {}) }));
        if (summary.stopReason !== undefined) data.stopReason = summary.stopReason;
        if (summary.responseId !== undefined) data.responseId = summary.responseId;
        if (summary.firstTokenAt !== undefined) data.ttftMs = Math.max(0, summary.firstTokenAt - ctx.startedAt);
        data.outputChars = summary.textChars;
        // A refused or failed HTTP response is not "truncated": its body is an error, read as such.
        if (summary.truncated && (status === undefined || status < 400)) data.truncated = true;
        if (summary.oversize) data.oversize = true;
        if (summary.error !== undefined) {
          event.error = summary.errorType ? `${summary.errorType}: ${summary.error}` : summary.error;
        }
      }
      data.durationMs = Math.max(0, outcome.endedAt - ctx.startedAt);
      if (outcome.aborted) data.aborted = true;
      if (outcome.error !== undefined && event.error === undefined) event.error = outcome.error;
      event.data = data;

      const extraEvents: NewAuditEvent[] = (summary?.toolCalls ?? []).map((c) => {
        const e: NewAuditEvent = {
          type: 'llm.tool_use',
          protocol: 'llm',
          transport: 'proxy',
          client: ctx.req.client,
          startedAt: ctx.startedAt,
          provider: ctx.provider,
          model,
          tool: c.name,
          host: ctx.req.host,
          path: ctx.req.path,
          data: { toolCallId: c.id, index: c.index, arguments: c.arguments, ...(c.incomplete ? { incomplete: true } : {}) },
        };
        return e;
      });
      const frames = end?.frames ?? [];
      return summary ? { event, extraEvents, summary, frames } : { event, extraEvents, frames };
    },
  };
}
