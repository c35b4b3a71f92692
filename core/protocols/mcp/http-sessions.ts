import { isRequest, parseJsonRpc, type JsonRpcMessage } from './jsonrpc.js';
import { describeMcpHttpRequest, legacyEndpoint, sessionIdFromResponse, splitPath, type HttpHeaders, type McpHttpRequest, type SseFrameLike } from './http.js';
import { McpSession, type McpFacts, type McpSessionOptions } from './session.js';

/**
 * Which McpSession an HTTP request belongs to. Streamable HTTP sessions are keyed by
 * server + Mcp-Session-Id, legacy HTTP+SSE sessions by host + ?sessionId (its POSTs go
 * to another path than its stream), and servers without sessions by client + server.
 * Idle sessions expire and the count is capped, so a long-running proxy stays small.
 */

export interface McpHttpSessionEntry {
  session: McpSession;
  /** Server identity for the log and the inventory: host + MCP endpoint path. */
  server: string;
  host: string;
  client: string;
  transport: 'streamable' | 'legacy-sse' | 'stateless';
  /** Registry key once bound; undefined while a session waits for its id. */
  key?: string;
  /** Path of a legacy GET stream (to resolve its endpoint event). */
  streamPath?: string;
}

export interface McpHttpSessionsOptions {
  /** Sessions idle this long are forgotten (default 2 h). */
  idleMs?: number;
  maxSessions?: number;
  now?: () => number;
  session?: McpSessionOptions;
}

export interface FrameFacts {
  facts: McpFacts[];
  /** Set when the frame was a legacy `endpoint` event. */
  endpoint?: string;
  error?: string;
}

export class McpHttpSessions {
  private readonly entries = new Map<string, McpHttpSessionEntry>();
  private readonly idleMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;
  private readonly sessionOpts: McpSessionOptions;
  private lastSweep = 0;

  constructor(opts: McpHttpSessionsOptions = {}) {
    this.idleMs = opts.idleMs ?? 2 * 3600_000;
    this.maxSessions = opts.maxSessions ?? 1000;
    this.now = opts.now ?? Date.now;
    this.sessionOpts = { now: this.now, ...opts.session };
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The session for a request. `messages` (the parsed POST body, if read) lets an
   * initialize start a fresh session. Belay may start mid-session: an unknown session id
   * gets a new, empty session rather than an error.
   */
  forRequest(req: McpHttpRequest, client: string, messages: JsonRpcMessage[] = []): McpHttpSessionEntry {
    if (this.now() - this.lastSweep > 60_000) this.sweep();
    const shape = describeMcpHttpRequest(req);
    const host = req.host.toLowerCase();

    if (shape.sessionId) {
      const key = `s|${shape.serverKey}|${shape.sessionId}`;
      return this.getOrCreate(key, () => ({ ...this.base(shape.serverKey, host, client, 'streamable'), key }), shape.sessionId);
    }
    if (shape.legacySessionId) {
      const key = legacyKey(host, shape.legacySessionId);
      return this.getOrCreate(key, () => ({ ...this.base(shape.serverKey, host, client, 'legacy-sse'), key }), shape.legacySessionId);
    }
    if (shape.role === 'stream') {
      // A GET stream without a session: legacy HTTP+SSE until its endpoint event binds it.
      return { ...this.base(shape.serverKey, host, client, 'legacy-sse'), streamPath: splitPath(req.path).pathname };
    }
    if (messages.some((m) => isRequest(m) && m.method === 'initialize')) {
      // Bound by onResponseHeaders once the server answers (with or without a session id).
      return this.base(shape.serverKey, host, client, 'stateless');
    }
    const key = `x|${client}|${shape.serverKey}`;
    return this.getOrCreate(key, () => ({ ...this.base(shape.serverKey, host, client, 'stateless'), key }));
  }

  /** After the response headers: binds the session id a server assigned on initialize. */
  onResponseHeaders(entry: McpHttpSessionEntry, headers: HttpHeaders): void {
    const sid = sessionIdFromResponse(headers);
    if (sid) {
      const key = `s|${entry.server}|${sid}`;
      if (entry.key === key) return;
      this.unbind(entry);
      entry.key = key;
      entry.transport = 'streamable';
      entry.session.sessionId = sid;
      this.entries.set(key, entry);
    } else if (!entry.key && entry.transport === 'stateless') {
      entry.key = `x|${entry.client}|${entry.server}`;
      this.entries.set(entry.key, entry);
    }
    this.capSize();
  }

  /**
   * One SSE frame from the server (a POST's SSE answer or a GET stream). A legacy
   * `endpoint` event binds the stream's session; a data frame is JSON-RPC from the server.
   */
  onServerFrame(entry: McpHttpSessionEntry, frame: SseFrameLike): FrameFacts {
    const endpoint = legacyEndpoint(frame, entry.streamPath ?? '/');
    if (endpoint) {
      if (endpoint.sessionId) {
        const key = legacyKey(entry.host, endpoint.sessionId);
        const early = this.entries.get(key);
        this.unbind(entry);
        entry.key = key;
        entry.transport = 'legacy-sse';
        if (early && early !== entry) {
          // The client's first POST reached Belay before this endpoint event did (body data
          // is reported in batches): it already opened the session, so the stream joins it
          // and the answers on the stream match the requests that POST carried.
          entry.session = early.session;
        } else {
          entry.session.sessionId = endpoint.sessionId;
          this.entries.set(key, entry);
          this.capSize();
        }
      }
      return { facts: [], endpoint: endpoint.path };
    }
    if (frame.event !== undefined && frame.event !== 'message') return { facts: [] };
    if (frame.data.trim() === '') return { facts: [] };
    const parsed = parseJsonRpc(frame.data);
    return { facts: entry.session.onServerMessage(parsed.messages), ...(parsed.error ? { error: parsed.error } : {}) };
  }

  /** A DELETE ends a Streamable HTTP session. */
  end(req: McpHttpRequest): boolean {
    const shape = describeMcpHttpRequest(req);
    if (!shape.sessionId) return false;
    return this.entries.delete(`s|${shape.serverKey}|${shape.sessionId}`);
  }

  /** Forgets idle sessions; answers how many went. */
  sweep(): number {
    this.lastSweep = this.now();
    const cutoff = this.now() - this.idleMs;
    let removed = 0;
    for (const [key, e] of this.entries) {
      if (e.session.lastActivity < cutoff) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  private base(server: string, host: string, client: string, transport: McpHttpSessionEntry['transport']): McpHttpSessionEntry {
    return { session: new McpSession(this.sessionOpts), server, host, client, transport };
  }

  private getOrCreate(key: string, create: () => McpHttpSessionEntry, sessionId?: string): McpHttpSessionEntry {
    let e = this.entries.get(key);
    if (!e) {
      e = create();
      if (sessionId) e.session.sessionId = sessionId;
      this.entries.set(key, e);
      this.capSize();
    } else {
      // Map order doubles as recency order for the size cap.
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    e.session.lastActivity = this.now();
    return e;
  }

  private unbind(entry: McpHttpSessionEntry): void {
    if (entry.key && this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }

  private capSize(): void {
    while (this.entries.size > this.maxSessions) this.entries.delete(this.entries.keys().next().value as string);
  }
}

function legacyKey(host: string, sessionId: string): string {
  return `l|${host}|${sessionId}`;
}
