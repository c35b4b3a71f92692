import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { ProxySetting } from 'mockttp';
import type { LlmExchangeFacts, LlmExchangeOutcome, LlmResponseObserver } from '../protocols/llm/exchange.js';
import type { LlmFrame, LlmToolCall } from '../protocols/llm/types.js';
import type { Verdict } from '../pipeline/verdict.js';
import { LOOPBACK_HOST } from './loopback.js';
import { describeUpstreamError } from './upstream-errors.js';

/**
 * Holds an LLM answer at a tool call until the guard has judged it.
 *
 * mockttp can observe a passing response but not hold part of it, so an LLM request that
 * offers tools is forwarded by mockttp to this small loopback server instead, which makes
 * the upstream request itself and passes the answer on frame by frame (an SSE event, a
 * JSON-array element): text before a tool call reaches the client at once; from the frame
 * that starts a tool call, frames wait until the call is complete and judged. Allowed:
 * the held frames go out. Denied: the stream ends with the provider's own error event
 * (or, for a plain JSON answer, the provider's error response), so a copilot in
 * auto-approve mode never sees the call.
 *
 * Each flow is registered under a random one-time token: the gate is no open relay for
 * other local programs.
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
}

export interface ToolUseGateOptions {
  trustedCAs: { cert: string }[];
  upstreamProxy?: ProxySetting;
  warn(message: string): void;
}

export interface ToolUseGate {
  /** Registers a flow and answers the URL mockttp should forward it to. */
  register(flow: GatedFlow): string;
  close(): Promise<void>;
}

const UNUSED_FLOW_TTL_MS = 60_000;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

export async function startToolUseGate(opts: ToolUseGateOptions): Promise<ToolUseGate> {
  const flows = new Map<string, { flow: GatedFlow; timer: NodeJS.Timeout }>();
  const ca = opts.trustedCAs.length ? [...tls.rootCertificates, ...opts.trustedCAs.map((c) => c.cert)] : undefined;
  // One TLS context for every upstream connection. Passing `ca` per request instead makes
  // Node parse every root certificate again for each new connection and fold the whole
  // list (hundreds of KB) into the agent's pool key on every request (bench/RESULTS.md).
  const secureContext = ca ? tls.createSecureContext({ ca }) : undefined;
  const server = http.createServer((req, res) => {
    const token = /^\/__belay-gate\/([A-Za-z0-9_-]{20,})$/.exec(req.url ?? '')?.[1];
    const entry = token ? flows.get(token) : undefined;
    if (!token || !entry) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Unknown Belay gate flow.\n');
      return;
    }
    flows.delete(token);
    clearTimeout(entry.timer);
    relay(entry.flow, req, res, { ca, secureContext }, opts).catch((err: Error) => {
      opts.warn(`tool-use gate: ${err.message}`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    register(flow) {
      const token = randomBytes(18).toString('base64url');
      const timer = setTimeout(() => flows.delete(token), UNUSED_FLOW_TTL_MS);
      timer.unref();
      flows.set(token, { flow, timer });
      return `http://${LOOPBACK_HOST}:${port}/__belay-gate/${token}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { timer } of flows.values()) clearTimeout(timer);
        flows.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface UpstreamTrust {
  /** Roots + extra CAs, or undefined for Node's default store. */
  ca?: string[];
  secureContext?: tls.SecureContext;
}

async function relay(flow: GatedFlow, req: IncomingMessage, res: ServerResponse, trust: UpstreamTrust, opts: ToolUseGateOptions): Promise<void> {
  const target = new URL(flow.url);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  headers.host = target.host;
  // The gate must read the frames: ask for an unencoded answer (it is decoded anyway if not).
  headers['accept-encoding'] = 'identity';
  const secure = target.protocol === 'https:';
  // `secureContext` reaches tls.connect through the agent (Node's RequestOptions type omits it).
  const options: https.RequestOptions & { secureContext?: tls.SecureContext } = {
    method: req.method,
    headers,
    secureContext: secure ? trust.secureContext : undefined,
    agent: agentFor(target, opts.upstreamProxy, trust.ca),
  };
  // The request body is small (it went through the guard, under proxy.maxInspectBytes) and
  // is read whole, so the request can be sent again once when a kept-alive upstream socket
  // turns out to be closed by the server at the moment it is reused (ECONNRESET before any
  // answer): a race of keep-alive, not a failure the copilot should see as a 502.
  const requestBody = await readBody(req);
  headers['content-length'] = String(requestBody.length);
  const send = () => {
    const request = (secure ? https : http).request(target, options);
    // No Nagle: a small last write would wait for the upstream's delayed ACK (~40 ms on
    // every gated request, measured in bench/).
    request.setNoDelay(true);
    request.end(requestBody);
    return request;
  };
  let upstream = send();
  // The client went away before the answer was complete: stop the upstream and withdraw
  // any approval still open for a tool call of this answer.
  const clientGone = new AbortController();
  res.on('close', () => {
    if (res.writableFinished) return;
    upstream.destroy();
    clientGone.abort();
  });

  const answer = (request: http.ClientRequest) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', reject);
    });
  const upstreamRes = await answer(upstream)
    .catch((err: NodeJS.ErrnoException) => {
      if (!upstream.reusedSocket || (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') || clientGone.signal.aborted) throw err;
      upstream = send();
      return answer(upstream);
    })
    .catch((err: Error) => {
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'x-belay-upstream-error': '1' });
      res.end(`Belay could not complete the request to ${target.host}: ${describeUpstreamError(`${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`)}\n`);
      return undefined;
    });
  if (!upstreamRes) return;

  const status = upstreamRes.statusCode ?? 502;
  const outHeaders: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstreamRes.headers)) if (!HOP_BY_HOP.has(name) && name !== 'content-encoding' && value !== undefined) outHeaders[name] = value;
  flow.observer.onHead(status, upstreamRes.headers);
  const body = decoded(upstreamRes);
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
    if (flow.stream) {
      res.end(Buffer.from(flow.observer.streamRefusal(message)));
    } else {
      const r = flow.plainRefusal(message);
      res.writeHead(r.status, r.headers).end(r.body);
    }
  };

  let chain = Promise.resolve();
  body.on('data', (chunk: Buffer) => {
    const frames = flow.observer.onData(chunk);
    chain = chain.then(() => process(frames));
  });
  await new Promise<void>((resolve) => {
    body.once('end', resolve);
    body.once('error', resolve);
    res.once('close', resolve);
  });
  await chain;
  if (!refused) {
    // Frames the parser still held at the end (an unterminated last event) are judged and sent too.
    const facts = flow.finish({ status, aborted: res.destroyed && !res.writableEnded, endedAt: Date.now() });
    await process(facts.frames);
    if (!refused) {
      if (!res.headersSent) res.writeHead(status, outHeaders);
      for (const f of held) res.write(f.raw);
      held = [];
      res.end();
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function decoded(res: IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(zlib.createGunzip());
  if (encoding === 'br') return res.pipe(zlib.createBrotliDecompress());
  if (encoding === 'deflate') return res.pipe(zlib.createInflate());
  return res;
}

function agentFor(target: URL, proxy: ProxySetting | undefined, ca: string[] | undefined): http.Agent | undefined {
  if (!proxy) return undefined;
  const host = target.hostname;
  const bypass = (proxy.noProxy ?? []).some((p) => p === '*' || host === p || host.endsWith(p.startsWith('.') ? p : `.${p}`));
  if (bypass) return undefined;
  return new HttpsProxyAgent(proxy.proxyUrl, { ca });
}
