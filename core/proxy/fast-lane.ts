import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Mockttp } from 'mockttp';
import type { CredentialBroker } from '../broker/broker.js';
import type { Analyzer, RequestHead } from './analyzer.js';
import type { ProxyFlow } from './flow.js';
import type { FlowTracker } from './flow-tracker.js';
import type { GuardRequest, JudgedRequest } from './guard-request.js';
import { laneUrl } from './lane-url.js';
import { urlParts } from './request-head.js';
import { TappedResponse } from './tapped-response.js';
import { unheldFlow, type GatedFlow, type ToolUseGate } from './tool-use-gate.js';

export interface FastLaneDeps {
  analyzer: Pick<Analyzer, 'needsBody' | 'isLlmCall'>;
  flows: FlowTracker;
  guardRequest: GuardRequest;
  gate: Pick<ToolUseGate, 'relay'>;
  broker?: Pick<CredentialBroker, 'carriesPlaceholder' | 'inspectHead'>;
  /** Whether a URL names Belay itself (those get mockttp's 508 rule). */
  isSelf(url: string): boolean;
  maxInspectBytes: number;
  warn(message: string): void;
}

/**
 * Belay's own path for the requests copilots send most: LLM API calls over HTTP/1.1.
 *
 * On mockttp's path every request is first made into mockttp's own request object
 * (headers re-paired, a buffering body stream, timing, tags), matched against the rules,
 * and its response wrapped and announced in events a tick later, before Belay's rule even
 * starts; that machinery cost more CPU per request than Belay's guard itself
 * (bench/RESULTS.md, item 19). An LLM call judged by Belay needs none of it: the fast lane
 * takes it from Node's HTTP server as soon as mockttp has terminated TLS, reads the JSON
 * body, lets the guard decide exactly as on the guarded route (guard-request.ts), and
 * relays the answer through the tool-use gate's upstream path, which already sends,
 * retries and streams on its own. The flow is fed from the response as it is written.
 *
 * Everything else stays on mockttp's path, decided from the head alone, before any byte of
 * the body is read: HTTP/2, MCP, A2A and plain HTTP, bodies without a length or over the
 * inspection cap, encoded bodies, `Expect: 100-continue`, requests with proxy credentials
 * or a key placeholder for the broker, and requests addressed to Belay itself.
 */
export function installFastLane(server: Mockttp, deps: FastLaneDeps): void {
  // mockttp hands its HTTP servers `this.app` when it starts: the lane goes in front of it.
  const internal = server as unknown as { app: RequestListener };
  if (typeof internal.app !== 'function') throw new Error('this version of mockttp has no request listener where Belay expects it (core/proxy/fast-lane.ts)');
  const mockttpPath = internal.app;
  internal.app = (req, res) => {
    const head = laneHead(req, deps);
    if (head) takeFastLane(req, res, head, deps).catch((err: Error) => deps.warn(`fast lane: ${err.message}`));
    else mockttpPath(req, res);
  };
}

/** The request's head when the fast lane may take it, else undefined (mockttp's path). */
function laneHead(req: IncomingMessage, deps: FastLaneDeps): Omit<RequestHead, 'client' | 'id'> | undefined {
  if (req.httpVersionMajor !== 1 || req.method !== 'POST') return undefined;
  const h = req.headers;
  if (h.expect !== undefined || h['proxy-authorization'] !== undefined || h['transfer-encoding'] !== undefined) return undefined;
  if (h['content-encoding'] !== undefined && h['content-encoding'].toLowerCase() !== 'identity') return undefined;
  const length = Number(h['content-length']);
  if (!Number.isInteger(length) || length < 0 || length > deps.maxInspectBytes) return undefined;
  const url = laneUrl(req);
  if (url === undefined || deps.isSelf(url)) return undefined;
  const { host, port, path } = urlParts(url);
  const head = { method: req.method, url, host, port, path, headers: h };
  if (!deps.analyzer.needsBody(head) || !deps.analyzer.isLlmCall(head)) return undefined;
  if (deps.broker?.carriesPlaceholder(url, h)) return undefined;
  return head;
}

const CLIENT_LEFT = 'the client closed the connection before the response ended';

async function takeFastLane(req: IncomingMessage, res: ServerResponse, head: Omit<RequestHead, 'client' | 'id'>, deps: FastLaneDeps): Promise<void> {
  const judged: JudgedRequest = {
    id: randomUUID(),
    method: head.method,
    url: head.url,
    headers: head.headers,
    remotePort: req.socket.remotePort,
    timingEvents: { startTime: Date.now() },
    body: { buffer: EMPTY, getDecodedBuffer: async () => judged.body.buffer },
  };
  const { flows } = deps;
  const flow = flows.open(judged);
  // Issue 9: a real provider key sent by a copilot is flagged. A report, not a decision: it
  // runs in a later phase of the loop, once the request is on its way, not before it.
  const broker = deps.broker;
  if (broker) setImmediate(() => broker.inspectHead({ url: head.url, host: head.host, headers: head.headers, client: flow.client }));
  const stopWatching = watchUntilAnswered(res, flow, flows);
  const client = new TappedResponse(res, {
    head: (status, headers) => flows.startResponse(flow, status, headers),
    data: (chunk) => {
      flow.bytesOut += chunk.byteLength;
      flows.feedResponse(flow, chunk);
    },
  });
  const body = await readBody(req);
  if (body === undefined) return; // the client left mid-body: the watcher has logged it
  judged.body.buffer = body;
  try {
    const decision = await deps.guardRequest(judged);
    stopWatching();
    if (typeof decision?.response === 'string') {
      res.destroy(); // the client left while the request was held ('close'): the guard's check logged it
      return;
    }
    if (res.destroyed) {
      // The client left while the guard was reading the request: nobody waits for an
      // answer, so the call is not sent. The flow ends below as aborted.
    } else if (decision?.response) {
      const r = decision.response;
      client.writeHead(r.statusCode ?? 200, r.headers).end(r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : Buffer.from(r.body));
    } else {
      const replaced = decision?.body;
      const headers = { ...head.headers };
      // A replaced body (redacted) is plain JSON: it no longer matches the client's encoding.
      if (replaced !== undefined) delete headers['content-encoding'];
      const gated: GatedFlow = decision?.gate ?? unheldFlow(head.url, (why) => (flow.error ??= why));
      await deps.gate.relay(gated, { method: head.method, headers, body: replaced === undefined ? body : Buffer.from(replaced) }, client);
    }
  } catch (err) {
    // Fail closed: a request Belay could not judge does not leave.
    stopWatching();
    deps.warn(`fast lane: ${(err as Error).message}`);
    flow.error ??= `Belay could not judge this request: ${(err as Error).message}`;
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Belay could not judge this request; it was not forwarded.\n');
    else res.destroy();
  }
  // The answer is written (or cut off): the flow ends once the response has. Ending it only
  // now, not at the response's 'close', lets the gate record what it decided about a tool
  // call it was holding when the client left (the approval withdrawn, the call refused).
  const complete = await responseSettled(res);
  client.settle(); // the flow's observer has read every chunk written before it ends
  flows.finish(flow, !complete, complete ? undefined : flow.error ?? CLIENT_LEFT);
}

/**
 * Until Belay has answered: a client that leaves mid-body ends the flow as aborted, and one
 * that leaves while a human is still deciding withdraws the approval (the guard's check then
 * ends the flow itself). Returns the function that stops watching.
 */
function watchUntilAnswered(res: ServerResponse, flow: ProxyFlow, flows: FlowTracker): () => void {
  const onClose = () => {
    if (flow.judging) {
      flows.noteAbort(flow.id, CLIENT_LEFT);
      flow.judging.abort();
    } else {
      flows.finish(flow, true, CLIENT_LEFT);
    }
  };
  res.once('close', onClose);
  return () => res.off('close', onClose);
}

/** Whether the response was written in full (true) or its connection closed first (false). */
function responseSettled(res: ServerResponse): Promise<boolean> {
  if (res.writableFinished) return Promise.resolve(true);
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    res.once('finish', () => resolve(true));
    res.once('close', () => resolve(res.writableFinished));
  });
}

const EMPTY = Buffer.alloc(0);

/** The whole body (its length is declared and under the inspection cap), or undefined if the client left first. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  // Read in flowing mode. Reading a body that came with its head straight from the request's
  // buffer (one microtask after the parser's call) took about 10 µs off each call at c=1, but
  // raised Belay's peak RSS under load from about 128 to 144-153 MB in alternating runs
  // (bench/RESULTS.md, item 31), too near the 150 MB goal: not done.
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.once('close', () => {
      if (!req.complete) resolve(undefined);
    });
  });
}
