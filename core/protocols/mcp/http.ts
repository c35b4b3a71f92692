/**
 * Reading MCP's HTTP transports from what a proxy sees: Streamable HTTP (one endpoint;
 * POST answered with JSON or SSE, GET stream, DELETE, `Mcp-Session-Id`) and the legacy
 * HTTP+SSE transport (GET SSE whose first event is `endpoint`, then POSTs to
 * `/messages?sessionId=…` whose answers arrive on the GET stream). Pure: no sockets.
 */

export type HeaderValue = string | string[] | undefined;
export type HttpHeaders = Record<string, HeaderValue>;

export interface McpHttpRequest {
  method: string;
  /** Host with port when not the default, e.g. "mcp.example.com" or "127.0.0.1:3000". */
  host: string;
  /** Path with query, as on the request line. */
  path: string;
  headers: HttpHeaders;
}

/** What B1's SSE framer yields (core/protocols/sse-framer.ts); only these fields are read. */
export interface SseFrameLike {
  event?: string;
  data: string;
  id?: string;
}

export interface McpHttpShape {
  /** legacy-sse: a POST carrying ?sessionId=, or a GET stream without Mcp-Session-Id (until its first event says). */
  transport: 'streamable' | 'legacy-sse';
  role: 'message' | 'stream' | 'end-session' | 'other';
  /** Mcp-Session-Id request header. */
  sessionId?: string;
  /** ?sessionId= of a legacy POST. */
  legacySessionId?: string;
  /** MCP-Protocol-Version request header (sent after initialize). */
  protocolVersion?: string;
  /** Server identity: host + path without the query. */
  serverKey: string;
  acceptsSse: boolean;
}

/** First value of a header, case-insensitively. */
export function header(headers: HttpHeaders, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== want) continue;
    const value = Array.isArray(v) ? v[0] : v;
    if (value !== undefined) return value;
  }
  return undefined;
}

export function splitPath(path: string): { pathname: string; query: URLSearchParams } {
  const q = path.indexOf('?');
  const pathname = q === -1 ? path : path.slice(0, q);
  const hash = pathname.indexOf('#');
  return { pathname: hash === -1 ? pathname : pathname.slice(0, hash), query: new URLSearchParams(q === -1 ? '' : path.slice(q + 1)) };
}

export function serverKeyOf(host: string, path: string): string {
  return `${host.toLowerCase()}${splitPath(path).pathname || '/'}`;
}

export function describeMcpHttpRequest(req: McpHttpRequest): McpHttpShape {
  const method = req.method.toUpperCase();
  const sessionId = header(req.headers, 'mcp-session-id');
  const { query } = splitPath(req.path);
  const legacySessionId = sessionId ? undefined : (query.get('sessionId') ?? undefined);
  const accept = header(req.headers, 'accept') ?? '';
  const protocolVersion = header(req.headers, 'mcp-protocol-version');
  const role = method === 'POST' ? 'message' : method === 'GET' ? 'stream' : method === 'DELETE' ? 'end-session' : 'other';
  const legacy = legacySessionId !== undefined || (method === 'GET' && !sessionId);
  return {
    transport: legacy ? 'legacy-sse' : 'streamable',
    role,
    ...(sessionId ? { sessionId } : {}),
    ...(legacySessionId ? { legacySessionId } : {}),
    ...(protocolVersion ? { protocolVersion } : {}),
    serverKey: serverKeyOf(req.host, req.path),
    acceptsSse: /text\/event-stream/i.test(accept),
  };
}

/** The session id a Streamable HTTP server assigned (on the initialize response). */
export function sessionIdFromResponse(headers: HttpHeaders): string | undefined {
  return header(headers, 'mcp-session-id');
}

export function isSseResponse(headers: HttpHeaders): boolean {
  return /^\s*text\/event-stream/i.test(header(headers, 'content-type') ?? '');
}

/**
 * The `endpoint` event of a legacy HTTP+SSE stream: where the client must POST, carrying
 * the session id. The data is a URL relative to the stream's URL (or absolute).
 */
export function legacyEndpoint(frame: SseFrameLike, streamPath = '/'): { path: string; sessionId?: string } | undefined {
  if (frame.event !== 'endpoint') return undefined;
  const data = frame.data.trim();
  if (!data) return undefined;
  try {
    const url = new URL(data, new URL(streamPath, 'http://belay.invalid'));
    const sessionId = url.searchParams.get('sessionId') ?? undefined;
    return { path: url.pathname + url.search, ...(sessionId ? { sessionId } : {}) };
  } catch {
    // new URL only throws on input no server sends; report it as "no endpoint" to the caller.
    return undefined;
  }
}
