import type { NewAuditEvent } from '../../shared/events.js';
import type { LazyAbort } from '../pipeline/lazy-abort.js';
import type { Verdict } from '../pipeline/verdict.js';

/**
 * What the proxy knows about one request/response as it passes. Protocol analysis
 * (LLM, MCP, A2A) attaches an observer that sees the decoded response bytes and adds its
 * facts to the audit event when the flow ends.
 */
export interface ResponseObserver {
  onHead?(status: number, headers: Record<string, string | string[] | undefined>): void;
  /** Decoded (content-encoding removed) response bytes, in order, as they pass. */
  onData(chunk: Uint8Array): void;
  /** The flow ended (complete, aborted or failed): return facts to merge into its audit event(s). */
  finish(outcome: FlowOutcome): FlowFacts;
}

export interface FlowOutcome {
  status?: number;
  error?: string;
  aborted: boolean;
  endedAt: number;
  /** What the guard decided for the request, when it judged it (a refusal was answered by Belay, not the server). */
  verdict?: Verdict;
}

/** Facts a protocol adds: fields of the flow's own event, plus any extra events (e.g. tool.changed). */
export interface FlowFacts {
  event?: Partial<NewAuditEvent>;
  extraEvents?: NewAuditEvent[];
  /** Told the ids the log gave the flow's event and its extra events (for timeline links). */
  afterAppend?(mainId: string, extraIds: string[]): void;
}

export interface ProxyFlow {
  id: string;
  startedAt: number;
  method: string;
  url: string;
  host: string;
  /** Path with query, credentials in the query already redacted. */
  path: string;
  client: string;
  /** Base event fields decided at request time (protocol, type, provider, model...). */
  base: Partial<NewAuditEvent>;
  bytesIn?: number;
  bytesOut: number;
  status?: number;
  error?: string;
  verdict?: Verdict;
  observer?: ResponseObserver;
  /** The client's end of the connection (its port on 127.0.0.1): finds its process. */
  clientPort?: number;
  /** The local process that opened the connection, once known (Linux). */
  process?: { pid: number; name: string; command?: string };
  /**
   * Where mockttp's passthrough really connects, when that is not the URL's host: a tunnel
   * opened to an IP address with another name in its Host header. mockttp follows the
   * tunnel, while the URL (and so the event's host, and the policy) reads the header.
   */
  connectedTo?: string;
  /** True once the event is written, so late mockttp events cannot write it twice. */
  done: boolean;
  /** Set while the guard judges the request; aborted when the client goes away meanwhile. */
  judging?: Pick<LazyAbort, 'abort'>;
}
