import { createSseFramer, type SseFramer } from '../sse-framer.js';
import { parseJsonRpc, type JsonRpcMessage } from './jsonrpc.js';
import { describeMcpHttpRequest, header, isSseResponse, type HttpHeaders, type McpHttpRequest, type McpHttpShape } from './http.js';
import type { McpHttpSessionEntry, McpHttpSessions } from './http-sessions.js';
import type { McpFacts } from './session.js';

/**
 * One MCP HTTP request/response as the proxy sees it, wired to its session: the request
 * body is read at once (the proxy holds small JSON POSTs to judge them anyway), the
 * response is observed chunk by chunk as it is forwarded — SSE frames are parsed as they
 * pass, a JSON body is copied up to a cap and parsed at the end. Nothing here holds the
 * stream: the caller forwards every chunk before or after handing it over.
 */

export interface McpHttpExchangeOptions {
  /** Largest JSON response body copied for parsing (default 4 MiB); larger ones pass uninspected. */
  maxJsonBody?: number;
}

export class McpHttpExchange {
  readonly shape: McpHttpShape;
  readonly entry: McpHttpSessionEntry;
  /** The client's messages in this request (a batch gives several). */
  readonly messages: JsonRpcMessage[];
  readonly requestFacts: McpFacts[];
  /** Unreadable request body, if it was. */
  readonly requestError?: string;
  /** Set when the response could not be fully inspected (too large, unreadable). */
  responseError?: string;

  private framer?: SseFramer;
  private json?: Uint8Array[];
  private jsonBytes = 0;
  private readonly maxJson: number;

  constructor(
    private readonly registry: McpHttpSessions,
    req: McpHttpRequest,
    client: string,
    body?: string | Uint8Array,
    opts: McpHttpExchangeOptions = {},
  ) {
    this.maxJson = opts.maxJsonBody ?? 4 * 1024 * 1024;
    this.shape = describeMcpHttpRequest(req);
    const hasBody = body !== undefined && body.length > 0;
    const parsed = hasBody ? parseJsonRpc(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) : undefined;
    this.messages = parsed?.messages ?? [];
    if (parsed?.error) this.requestError = parsed.error;
    this.entry = registry.forRequest(req, client, this.messages);
    this.requestFacts = this.messages.length ? this.entry.session.onClientMessage(this.messages) : [];
    if (this.shape.role === 'end-session') registry.end(req);
  }

  /** Binds a session id the server assigned and picks how to read the body. */
  onResponseHeaders(status: number, headers: HttpHeaders): void {
    if (status >= 200 && status < 300) this.registry.onResponseHeaders(this.entry, headers);
    if (isSseResponse(headers)) this.framer = createSseFramer();
    else if (/json/i.test(header(headers, 'content-type') ?? '')) this.json = [];
  }

  /** A chunk of the response body, just forwarded (or about to be). */
  onResponseChunk(chunk: Uint8Array): McpFacts[] {
    if (this.framer) {
      const facts: McpFacts[] = [];
      for (const frame of this.framer.push(chunk)) {
        const r = this.registry.onServerFrame(this.entry, frame);
        if (r.error) this.responseError = r.error;
        facts.push(...r.facts);
      }
      return facts;
    }
    if (this.json) {
      this.jsonBytes += chunk.length;
      if (this.jsonBytes > this.maxJson) {
        this.json = undefined;
        this.responseError = `response larger than ${this.maxJson} bytes: not inspected`;
      } else {
        this.json.push(Uint8Array.from(chunk));
      }
    }
    return [];
  }

  /** End of the response body. */
  onResponseEnd(): McpFacts[] {
    if (this.framer) {
      this.framer.end();
      this.framer = undefined;
      return [];
    }
    if (!this.json) return [];
    const text = Buffer.concat(this.json).toString('utf8');
    this.json = undefined;
    if (text.trim() === '') return [];
    const r = this.entry.session.feedServer(text);
    if (r.error) this.responseError = r.error;
    return r.facts;
  }
}
