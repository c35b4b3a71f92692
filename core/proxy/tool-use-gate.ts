import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { ProxySetting } from 'mockttp';
import type { LlmExchangeFacts, LlmExchangeOutcome, LlmResponseObserver } from '../protocols/llm/exchange.js';
import type { LlmFrame, LlmToolCall } from '../protocols/llm/types.js';
import { LazyAbort } from '../pipeline/lazy-abort.js';
import type { Verdict } from '../pipeline/verdict.js';
import { urlParts, type UrlParts } from './request-head.js';
import { sharedSecureContext } from './shared-tls-context.js';
import { UPSTREAM_FAILED_HEADER, describeUpstreamError } from './upstream-errors.js';

/**
 * Holds an LLM answer at a tool call until the guard has judged it.
 *
 * mockttp can observe a passing response but not hold part of it, so the proxy's guarded
 * step (guarded-step.ts) and its fast lane (fast-lane.ts) hand an LLM request that offers
 * tools to this gate instead of mockttp's passthrough (the fast lane sends the LLM calls
 * without tools through it too, unheld): the gate makes the upstream request itself and
 * writes the answer to the client's response frame by frame (an SSE event, a JSON-array
 * element). Text
 * before a tool call reaches the client at once; from the frame that starts a tool call,
 * frames wait until the call is complete and judged. Allowed: the held frames go out.
 * Denied: the stream ends with the provider's own error event (or, for a plain JSON answer,
 * the provider's error response), so a copilot in auto-approve mode never sees the call.
 *
 * The gate writes to the very response mockttp tracks (or, on the fast lane, the tapped
 * response that feeds the flow), so the flow's audit event sees what the client saw. It used to be a loopback HTTP
 * server mockttp forwarded to; that second hop cost about half of Belay's throughput
 * (bench/RESULTS.md).
 */
export interface GatedFlow {
  /** The real destination. */
  url: string;
  stream: boolean;
  observer: LlmResponseObserver;
  /** `signal` is aborted when the client went away while the call was being judged (its approval is withdrawn). */
  judge(call: LlmToolCall, signal?: AbortSignal): Promise<Verdict>;
  refusalMessage(verdict: Verdict): string;
  /** The provider's own error response, for a plain (non-streamed) answer that is refused. */
  plainRefusal(message: string): { status: number; headers: Record<string, string>; body: string };
  /**
   * Ends the parse and answers its facts, once: whoever calls first (this gate at the end
   * of the body, or the proxy when the flow ends early) computes them, the other reuses them.
   */
  finish(outcome: LlmExchangeOutcome): LlmExchangeFacts;
  /**
   * Handed the map of verdicts by tool-call index at the start; the gate fills it as each
   * call is judged, so whoever writes the audit event sees every verdict reached so far,
   * even when the flow ends before the gate does (a refusal ends the response at once).
   */
  onVerdicts(verdicts: Map<number, Verdict>): void;
  /** What went wrong upstream (unreachable, reset mid-answer), for the flow's event. */
  noteError(description: string): void;
  /** Set by unheldFlow: nothing is held, and the answer passes as the server encoded it. */
  unheld?: true;
}

const NOTHING_HELD: LlmExchangeFacts = { event: {}, extraEvents: [], frames: [] };

/**
 * A flow the gate relays without holding anything: an LLM call that offers no tools, so its
 * answer cannot hold a tool call (the proxy's fast lane sends those through the gate's
 * upstream path too). The gate writes each chunk as it reads it, without parsing it; the
 * flow's own observer reads the answer from the client's side.
 */
export function unheldFlow(url: string, noteError: (description: string) => void): GatedFlow {
  const unexpected = () => {
    throw new Error('an unheld flow passes as it comes: the gate neither parses, judges nor refuses it');
  };
  return {
    url,
    stream: true,
    observer: {
      onHead: () => undefined,
      onData: unexpected,
      toolCalls: () => [],
      streamRefusal: unexpected,
      finish: () => NOTHING_HELD,
    },
    judge: unexpected,
    refusalMessage: unexpected,
    plainRefusal: unexpected,
    finish: () => NOTHING_HELD,
    onVerdicts: () => undefined,
    noteError,
    unheld: true,
  };
}

/** The request as it leaves for the upstream: the client's, after the guard (and the key broker). */
export interface GatedRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * The client's response: Node's HTTP/1 response, its HTTP/2 compatibility twin, or the fast
 * lane's tapped response (tapped-response.ts).
 */
export interface ClientResponse {
  writeHead(status: number, headers?: http.OutgoingHttpHeaders): ClientResponse;
  write(chunk: string | Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  destroy(error?: Error): unknown;
  on(event: 'close', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
}

export interface ToolUseGateOptions {
  trustedCAs: { cert: string }[];
  upstreamProxy?: ProxySetting;
  warn(message: string): void;
}

export interface ToolUseGate {
  /**
   * Sends the request upstream and relays the answer to `res`, holding tool calls until
   * they are judged. `res` is ended (or destroyed, when the answer broke off) on return.
   */
  relay(flow: GatedFlow, request: GatedRequest, res: ClientResponse): Promise<void>;
  /**
   * Builds the upstream TLS context now rather than on the first request (50 ms of the
   * event loop on a slow machine, where extra CAs are trusted): called once the proxy is idle
   * after start, so the first LLM call does not pay for it.
   */
  warm(): void;
  /** Closes the tunnels kept alive to an upstream proxy (when the proxy stops). */
  close(): void;
}

// Hop-by-hop and framing headers are the gate's own business on each side; HTTP/2
// pseudo-headers (":path"...) never go into an HTTP/1.1 request. `expect`: the gate sends
// a body it already holds (mockttp answered the client's 100-continue itself).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length', 'http2-settings', 'expect']);

export function createToolUseGate(opts: ToolUseGateOptions): ToolUseGate {
  const ca = opts.trustedCAs.length ? [...tls.rootCertificates, ...opts.trustedCAs.map((c) => c.cert)] : undefined;
  // One TLS context for every upstream connection, built on first use (shared-tls-context.ts).
  // Passing `ca` per request instead makes Node parse every root certificate again for each
  // new connection and fold the whole list (hundreds of KB) into the agent's pool key on
  // every request (bench/RESULTS.md).
  let context: tls.SecureContext | undefined;
  const secureContext = ca ? () => (context ??= sharedSecureContext({ ca })) : undefined;
  const proxyAgents = new Map<string, HttpsProxyAgent<string>>();
  return {
    relay: async (flow, request, res) => {
      try {
        await relay(flow, request, res, { ca, secureContext, proxyAgents }, opts);
      } catch (err) {
        opts.warn(`tool-use gate: ${(err as Error).message}`);
        flow.noteError(`Belay's tool-use gate failed: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end('Belay could not relay this answer.\n');
        else if (!res.writableEnded) res.destroy();
      }
    },
    warm: () => {
      secureContext?.();
    },
    close: () => {
      for (const agent of proxyAgents.values()) agent.destroy();
      proxyAgents.clear();
    },
  };
}

interface UpstreamTrust {
  /** Roots + extra CAs, or undefined for Node's default store. */
  ca?: string[];
  secureContext?: () => tls.SecureContext;
  /** One kept-alive agent per upstream proxy, by its URL. */
  proxyAgents: Map<string, HttpsProxyAgent<string>>;
}

async function relay(flow: GatedFlow, request: GatedRequest, res: ClientResponse, trust: UpstreamTrust, opts: ToolUseGateOptions): Promise<void> {
  const target = urlParts(flow.url);
  const authority = target.port === undefined ? target.host : `${target.host}:${target.port}`;
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) if (!HOP_BY_HOP.has(name) && !name.startsWith(':') && value !== undefined) headers[name] = value;
  headers.host = authority;
  // The gate must read the frames: ask for an unencoded answer (it is decoded anyway if not).
  // An unheld answer is relayed as the server encoded it, as the client asked.
  if (!flow.unheld) headers['accept-encoding'] = 'identity';
  headers['content-length'] = String(request.body.length);
  const secure = target.protocol === 'https:';
  // `secureContext` reaches tls.connect through the agent (Node's RequestOptions type omits it).
  // Plain options rather than a URL object: Node turns a URL into options again on every
  // request, about 20 µs of each gated call (bench/RESULTS.md, item 31). The URL's parts
  // are parsed once per distinct URL (request-head.ts).
  const options: https.RequestOptions & { secureContext?: tls.SecureContext } = {
    protocol: target.protocol,
    hostname: target.host.startsWith('[') ? target.host.slice(1, -1) : target.host,
    port: target.port,
    path: target.path,
    method: request.method,
    headers,
    secureContext: secure ? trust.secureContext?.() : undefined,
    agent: agentFor(target, opts.upstreamProxy, trust),
  };
  // The request body is small (it went through the guard, under proxy.maxInspectBytes) and
  // is held whole, so the request can be sent again once when a kept-alive upstream socket
  // turns out to be closed by the server at the moment it is reused (ECONNRESET before any
  // answer): a race of keep-alive, not a failure the copilot should see as a 502.
  const send = () => {
    const upstreamReq = (secure ? https : http).request(options);
    // No Nagle: a small last write would wait for the upstream's delayed ACK (~40 ms on
    // every gated request, measured in bench/).
    upstreamReq.setNoDelay(true);
    upstreamReq.end(request.body);
    return upstreamReq;
  };
  let upstream = send();
  // The client went away before the answer was complete: stop the upstream and withdraw
  // any approval still open for a tool call of this answer.
  const clientGone = new LazyAbort();
  res.on('close', () => {
    if (res.writableEnded) return;
    upstream.destroy();
    clientGone.abort();
  });

  const answer = (upstreamReq: http.ClientRequest) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      upstreamReq.once('response', resolve);
      upstreamReq.once('error', reject);
    });
  const upstreamRes = await answer(upstream)
    .catch((err: NodeJS.ErrnoException) => {
      if (!upstream.reusedSocket || (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') || clientGone.aborted) throw err;
      upstream = send();
      return answer(upstream);
    })
    .catch((err: NodeJS.ErrnoException) => {
      const why = describeUpstreamError(`${err.code ?? ''} ${err.message}`);
      flow.noteError(why);
      if (clientGone.aborted) return undefined;
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', [UPSTREAM_FAILED_HEADER]: '1' });
      res.end(`Belay could not complete the request to ${authority}: ${why}\n`);
      return undefined;
    });
  if (!upstreamRes) return;

  const status = upstreamRes.statusCode ?? 502;
  const outHeaders: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstreamRes.headers)) if (!HOP_BY_HOP.has(name) && name !== 'content-encoding' && value !== undefined) outHeaders[name] = value;
  // Unheld, the bytes pass unchanged: their encoding and length still hold.
  if (flow.unheld) for (const name of ['content-encoding', 'content-length']) if (upstreamRes.headers[name] !== undefined) outHeaders[name] = upstreamRes.headers[name];
  flow.observer.onHead(status, upstreamRes.headers);
  const body = flow.unheld ? upstreamRes : decoded(upstreamRes);
  const gated = status < 400;
  // A stream's head goes out at once; a plain answer waits until its tool calls are judged.
  if (flow.stream || !gated) res.writeHead(status, outHeaders);

  const verdicts = new Map<number, Verdict>();
  flow.onVerdicts(verdicts);
  let held: LlmFrame[] = [];
  const open = new Set<number>();
  let refused = false;

  const process = async (frames: LlmFrame[]): Promise<void> => {
    for (const frame of frames) {
      if (refused) return;
      if (!gated) {
        res.write(frame.raw);
        continue;
      }
      for (const e of frame.events) if (e.type === 'tool_use.start') open.add(e.index);
      if (open.size > 0 || !flow.stream) held.push(frame);
      else res.write(frame.raw);
      for (const e of frame.events) {
        if (e.type !== 'tool_use.done') continue;
        const verdict = await flow.judge(e.call, clientGone.signal);
        verdicts.set(e.call.index, verdict);
        open.delete(e.call.index);
        if (verdict.outcome === 'deny') {
          refused = true;
          refuse(verdict);
          return;
        }
      }
      if (flow.stream && open.size === 0 && held.length) {
        for (const f of held) res.write(f.raw);
        held = [];
      }
    }
  };

  const refuse = (verdict: Verdict) => {
    const message = flow.refusalMessage(verdict);
    held = [];
    upstream.destroy();
    // The client already left (its approval was withdrawn): nothing to answer. Ending the
    // dead response would mark it complete and the flow would be logged as answered.
    if (res.destroyed) return;
    if (flow.stream) {
      res.end(Buffer.from(flow.observer.streamRefusal(message)));
    } else {
      const r = flow.plainRefusal(message);
      res.writeHead(r.status, r.headers).end(r.body);
    }
  };

  let chain = Promise.resolve();
  const onChunk = (chunk: Buffer) => {
    // Unheld, nothing is judged: each chunk goes out in the callback that read it, not a
    // promise turn later (after the rest of the upstream read), on every SSE event.
    if (flow.unheld) {
      res.write(chunk);
      return;
    }
    const frames = flow.observer.onData(chunk);
    chain = chain.then(() => process(frames));
  };
  const broken = body === upstreamRes && upstreamRes.complete ? readBuffered(upstreamRes, onChunk) : await readStreamed(body, upstreamRes, res, onChunk);
  await chain;
  if (refused || res.destroyed) return;
  if (broken) {
    // Never end a cut answer cleanly: the client would take a partial stream or a
    // truncated JSON for a complete answer. The flow's event names the cause.
    flow.noteError(describeUpstreamError(`${(broken as NodeJS.ErrnoException).code ?? ''} ${broken.message}`));
    res.destroy();
    return;
  }
  // Frames the parser still held at the end (an unterminated last event) are judged and sent too.
  const facts = flow.finish({ status, aborted: false, endedAt: Date.now() });
  await process(facts.frames);
  if (refused) return;
  if (!res.headersSent) {
    // A plain answer, held whole until judged: sent in one write with its length, rather
    // than chunked in a write per frame and one more for the end, each a TLS record and a
    // system call on the way to a client that waits for the last (bench/RESULTS.md, item 18).
    const whole = Buffer.concat(held.map((f) => f.raw));
    res.writeHead(status, { ...outHeaders, 'content-length': whole.length });
    res.end(whole);
    return;
  }
  for (const f of held) res.write(f.raw);
  held = [];
  res.end();
}

/**
 * An answer that came whole with its head (a plain answer usually does: one read from the
 * upstream socket) is already in the response's buffer when the gate gets to it. It is
 * read here at once, rather than in flowing mode, whose 'data' and 'end' events come a few
 * ticks later: about 50 µs of every plain gated call on the bench's machine (bench/RESULTS.md,
 * item 31). Reading it to the end still ends the response, so its socket goes back to the pool.
 */
function readBuffered(upstreamRes: IncomingMessage, onChunk: (chunk: Buffer) => void): undefined {
  for (let chunk: Buffer | null = upstreamRes.read(); chunk !== null; chunk = upstreamRes.read()) onChunk(chunk);
  return undefined;
}

/**
 * Feeds the answer's chunks as they arrive, until it ends, the client leaves, or the
 * upstream breaks off mid-answer (reset, decoding error): that error is returned. A
 * decompressor does not forward its source's errors, so both are watched.
 */
function readStreamed(body: Readable, upstreamRes: IncomingMessage, res: ClientResponse, onChunk: (chunk: Buffer) => void): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let broken: Error | undefined;
    const fail = (err: Error) => {
      broken ??= err;
      resolve(broken);
    };
    body.on('data', onChunk);
    body.once('end', () => resolve(broken));
    body.once('error', fail);
    if (body !== upstreamRes) upstreamRes.once('error', fail);
    res.once('close', () => resolve(broken));
  });
}

function decoded(res: IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(zlib.createGunzip());
  if (encoding === 'br') return res.pipe(zlib.createBrotliDecompress());
  if (encoding === 'deflate') return res.pipe(zlib.createInflate());
  return res;
}

/**
 * The agent for an upstream request: Node's global one (kept alive), or the upstream proxy's,
 * kept alive too. An agent per request would open a new tunnel (TCP, CONNECT, TLS) for
 * every answer, a few round trips to a remote provider each time.
 */
function agentFor(target: UrlParts, proxy: ProxySetting | undefined, trust: UpstreamTrust): http.Agent | undefined {
  if (!proxy) return undefined;
  const host = target.host;
  const bypass = (proxy.noProxy ?? []).some((p) => p === '*' || host === p || host.endsWith(p.startsWith('.') ? p : `.${p}`));
  if (bypass) return undefined;
  let agent = trust.proxyAgents.get(proxy.proxyUrl);
  if (!agent) {
    agent = new HttpsProxyAgent(proxy.proxyUrl, { ca: trust.ca, keepAlive: true });
    trust.proxyAgents.set(proxy.proxyUrl, agent);
  }
  return agent;
}
