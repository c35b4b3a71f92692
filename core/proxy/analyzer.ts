import type { NewAuditEvent } from '../../shared/events.js';
import type { GuardAction } from '../pipeline/action.js';
import type { Verdict } from '../pipeline/verdict.js';
import type { LlmToolCall } from '../protocols/llm/types.js';
import type { ResponseObserver } from './flow.js';
import type { GatedFlow } from './tool-use-gate.js';

/** The request as the proxy sees it, credentials still present (never stored as is). */
export interface RequestHead {
  id: string;
  method: string;
  /** Absolute URL. */
  url: string;
  host: string;
  port?: number;
  /** Path with query, as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  client: string;
}

/** A response Belay sends instead of forwarding (a refusal in the protocol's own form). */
export interface SyntheticResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * What protocol analysis makes of a request: the base of its audit event, the actions the
 * guard must judge before it may go out, and how to build the protocol's refusal.
 */
export interface RequestAnalysis {
  base: Partial<NewAuditEvent>;
  actions: GuardAction[];
  observer?: ResponseObserver;
  /** Called with the verdicts (same order as actions) when at least one is a deny. */
  refuse?(verdicts: Verdict[]): SyntheticResponse;
  /** Called when a verdict asks to redact: returns the new body to forward. */
  redact?(secrets: string[]): Buffer | undefined;
  /**
   * Set for LLM requests that offer tools: the answer goes through the tool-use gate, which
   * holds each tool call the model makes until the guard has judged `toolUseAction(call)`.
   */
  gate?: Omit<GatedFlow, 'url' | 'judge' | 'noteError'> & { toolUseAction(call: LlmToolCall): GuardAction };
}

export interface Analyzer {
  /** Whether a request needs its body read (and the guard asked) before it is forwarded. */
  needsBody(head: Omit<RequestHead, 'client' | 'id'>): boolean;
  /** Whether the head alone names a call to an LLM provider's API (the proxy's fast lane takes those). */
  isLlmCall(head: Omit<RequestHead, 'client' | 'id'>): boolean;
  analyze(head: RequestHead, body?: Buffer, bodyTruncated?: boolean): RequestAnalysis;
}

/** Everything is plain HTTP: what the engine runs when no protocol analysis is wired. */
export const plainHttpAnalyzer: Analyzer = {
  needsBody: () => false,
  isLlmCall: () => false,
  analyze: () => ({ base: { type: 'http', protocol: 'http' }, actions: [] }),
};
