import { ToolCallAssembler } from './tool-calls.js';
import type { LlmResponseSummary, LlmStreamEvent, LlmUsage } from './types.js';

/**
 * The part of a response parser that knows one provider's JSON: it turns each decoded
 * message into events and fills the summary. Framing (SSE, JSON array, NDJSON, plain
 * body) is done once for all formats in response-parser.ts.
 */
export interface FormatHandler {
  /** One streamed message: an SSE event's data, a JSON-array element or an NDJSON line. */
  onStreamMessage(data: unknown, sseEvent: string | undefined, out: LlmStreamEvent[]): void;
  /** OpenAI's `data: [DONE]`. */
  onDoneSentinel(out: LlmStreamEvent[]): void;
  /** A whole, non-streamed JSON body (or an HTTP error body). */
  onBody(data: unknown, out: LlmStreamEvent[]): void;
  /** End of input: close what is still open. */
  finish(out: LlmStreamEvent[]): void;
  /** Whether the format's own end marker was seen. */
  complete(): boolean;
  readonly state: SummaryState;
}

/** Mutable summary shared by the handler (content) and the framing layer (errors, truncation). */
export class SummaryState {
  model?: string;
  responseId?: string;
  stopReason?: string;
  usage: LlmUsage = {};
  error?: string;
  errorType?: string;
  textChars = 0;
  readonly calls = new ToolCallAssembler();

  setError(message: string, errorType: string | undefined, out: LlmStreamEvent[]): void {
    this.error ??= message;
    if (errorType !== undefined) this.errorType ??= errorType;
    out.push(errorType === undefined ? { type: 'error', message } : { type: 'error', message, errorType });
  }

  text(text: unknown, out: LlmStreamEvent[], reasoning = false): void {
    if (typeof text !== 'string' || text === '') return;
    if (reasoning) {
      out.push({ type: 'text', text, reasoning: true });
    } else {
      this.textChars += text.length;
      out.push({ type: 'text', text });
    }
  }

  toSummary(truncated: boolean): LlmResponseSummary {
    const s: LlmResponseSummary = { toolCalls: this.calls.all(), usage: { ...this.usage }, truncated, textChars: this.textChars };
    if (this.model !== undefined) s.model = this.model;
    if (this.responseId !== undefined) s.responseId = this.responseId;
    if (this.stopReason !== undefined) s.stopReason = this.stopReason;
    if (this.error !== undefined) s.error = this.error;
    if (this.errorType !== undefined) s.errorType = this.errorType;
    return s;
  }
}

/**
 * Base for formats whose stream states its own end (a stop event, a final response, a
 * `done` line) and whose tool calls need no closing at end of input: an unfinished one
 * stays in the summary marked incomplete. OpenAI's `[DONE]` sentinel is not part of these
 * formats; a relay that adds it is tolerated and it means nothing.
 */
export abstract class EndMarkedHandler implements FormatHandler {
  readonly state = new SummaryState();
  /** The format's own end marker was seen. */
  protected ended = false;

  abstract onStreamMessage(data: unknown, sseEvent: string | undefined, out: LlmStreamEvent[]): void;
  abstract onBody(data: unknown, out: LlmStreamEvent[]): void;

  onDoneSentinel(): void {
    // Not part of the format: nothing to do.
  }

  finish(): void {
    // Nothing to close (see above).
  }

  complete(): boolean {
    return this.ended;
  }
}

// Small readers for untrusted JSON: a provider (or anything posing as one) may send any shape.
export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Obj => (isObj(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Sets the usage fields that are numbers, leaving the others as they were. */
export function mergeUsage(target: LlmUsage, u: LlmUsage): void {
  for (const k of Object.keys(u) as (keyof LlmUsage)[]) {
    const v = u[k];
    if (v !== undefined) target[k] = v;
  }
}

/**
 * Token counts a format reports as plain numbers under its own field names
 * (`{ inputTokens: 'input_tokens', … }`); a field that is missing or not a number reads as
 * undefined, so mergeUsage leaves what an earlier message said.
 */
export function usageFromFields(u: Obj, fields: Readonly<Partial<Record<keyof LlmUsage, string>>>): LlmUsage {
  const usage: LlmUsage = {};
  for (const [key, field] of Object.entries(fields) as [keyof LlmUsage, string][]) usage[key] = num(u[field]);
  return usage;
}
