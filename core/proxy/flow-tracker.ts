import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import type * as mockttp from 'mockttp';
import type { NewAuditEvent } from '../../shared/events.js';
import { redactUrl } from '../audit/redact.js';
import { flowEvent } from './flow-event.js';
import type { FlowFacts, ProxyFlow } from './flow.js';
import type { ProcessAttribution } from './process-attribution.js';
import { requestHead } from './request-head.js';

export interface FlowTrackerDeps {
  /** Client app id from request headers (User-Agent and friends). */
  attributeClient(headers: Record<string, string | string[] | undefined>): string;
  /** Appends an event; returns its id, or undefined when the log refused it (already reported). */
  record(e: NewAuditEvent): string | undefined;
  warn(message: string): void;
  processes: Pick<ProcessAttribution, 'lookup' | 'known'>;
}

/**
 * The proxy's per-flow bookkeeping: one ProxyFlow per request from its first event to its
 * last, the response decoder that feeds protocol analysis plain bytes, and the single
 * audit event (plus any extra events) written when the flow ends. mockttp announces a
 * flow's end in several ways (body end, abort, WebSocket close, passthrough failure, stop);
 * whichever comes first writes the event, and only once.
 */
export class FlowTracker {
  private readonly flows = new Map<string, ProxyFlow>();
  /** Flows aborted whose event waits for their last body bytes (see the proxy's 'abort' handler). */
  private readonly abortReasons = new Map<string, string>();
  private readonly decoders = new Map<string, Transform>();
  /** Flows whose observer threw on the response: not fed again. */
  private readonly failedObservers = new WeakSet<ProxyFlow>();

  constructor(private readonly deps: FlowTrackerDeps) {}

  /** Flows in progress. */
  get size(): number {
    return this.flows.size;
  }

  get(id: string): ProxyFlow | undefined {
    return this.flows.get(id);
  }

  /** The request's flow, created on the first event that mentions it. */
  open(req: Pick<mockttp.Request, 'id' | 'method' | 'url' | 'headers' | 'remotePort'> & { timingEvents: { startTime: number }; destination?: mockttp.Destination }): ProxyFlow {
    let flow = this.flows.get(req.id);
    if (flow) return flow;
    const head = requestHead(req);
    flow = {
      id: req.id,
      startedAt: req.timingEvents.startTime,
      method: req.method,
      url: req.url,
      host: head.host,
      path: redactUrl(head.path),
      client: this.deps.attributeClient(req.headers),
      base: {},
      bytesOut: 0,
      done: false,
    };
    const contentLength = Number(req.headers['content-length']);
    if (Number.isFinite(contentLength)) flow.bytesIn = contentLength;
    this.flows.set(req.id, flow);
    flow.clientPort = req.remotePort;
    if (req.destination && unbracketed(req.destination.hostname) !== unbracketed(head.host)) flow.connectedTo = `${req.destination.hostname}:${req.destination.port}`;
    void this.deps.processes.lookup(req.remotePort); // read back when the flow ends
    return flow;
  }

  /** The response head arrived: note it, and undo its content-encoding for the observer. */
  startResponse(flow: ProxyFlow, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    flow.status = statusCode;
    if (headers['x-belay-upstream-error']) flow.error = flow.error ?? 'upstream unreachable';
    flow.observer?.onHead?.(statusCode, headers);
    const decoder = flow.observer ? decoderFor(headers['content-encoding']) : undefined;
    if (decoder && flow.observer) {
      decoder.on('data', (chunk: Buffer) => this.observe(flow, chunk));
      decoder.on('error', (err) => {
        flow.error = flow.error ?? `could not decode the response body: ${err.message}`;
      });
      this.decoders.set(flow.id, decoder);
    }
  }

  /** Response body bytes as they pass (still encoded). */
  feedResponse(flow: ProxyFlow, chunk: Uint8Array): void {
    if (!flow.observer) return;
    const decoder = this.decoders.get(flow.id);
    if (decoder) decoder.write(chunk);
    else this.observe(flow, chunk);
  }

  /**
   * Hands decoded response bytes to the flow's observer. The observer only reads (holding
   * a tool call is the gate's job), and it runs where nothing would catch it (a decoder's
   * callback; on the fast lane, a loop turn after the write): one that throws is reported
   * and not fed again, and the flow's event is still written, without what it would have
   * read. The response itself is never touched.
   */
  private observe(flow: ProxyFlow, chunk: Uint8Array): void {
    if (!flow.observer || this.failedObservers.has(flow)) return;
    try {
      flow.observer.onData(chunk);
    } catch (err) {
      this.failedObservers.add(flow);
      this.deps.warn(`protocol analysis failed for ${flow.method} ${flow.host}${flow.path}: ${(err as Error).message}`);
    }
  }

  /** The client aborted: whatever ends the flow afterwards, the event says this. */
  noteAbort(flowId: string, cause: string): void {
    this.abortReasons.set(flowId, cause);
  }

  finish(flow: ProxyFlow, aborted: boolean, error?: string): void {
    if (flow.done) return;
    // Once the client aborted, that is what happened, whatever ends the flow afterwards
    // (mockttp ends the response when the upstream it tore down resets).
    const abortedWith = this.abortReasons.get(flow.id);
    if (abortedWith !== undefined) {
      this.abortReasons.delete(flow.id);
      aborted = true;
      error = abortedWith;
    }
    flow.done = true;
    this.flows.delete(flow.id);
    const decoder = this.decoders.get(flow.id);
    this.decoders.delete(flow.id);
    const write = () => this.write(flow, aborted, error);
    if (decoder) {
      decoder.once('end', write);
      decoder.once('error', write);
      decoder.end();
    } else {
      write();
    }
  }

  /** Ends every flow still open (the proxy is stopping). */
  finishAll(error: string): void {
    for (const flow of [...this.flows.values()]) this.finish(flow, true, error);
  }

  private write(flow: ProxyFlow, aborted: boolean, error: string | undefined): void {
    const endedAt = Date.now();
    flow.process ??= this.deps.processes.known(flow.clientPort);
    let facts: FlowFacts = {};
    try {
      facts = flow.observer?.finish({ status: flow.status, error: error ?? flow.error, aborted, endedAt, verdict: flow.verdict }) ?? {};
    } catch (err) {
      this.deps.warn(`protocol analysis failed for ${flow.method} ${flow.host}${flow.path}: ${(err as Error).message}`);
    }
    const event = flowEvent(flow, facts, { endedAt, aborted, error });
    const mainId = this.deps.record(event);
    if (mainId === undefined) return;
    // Extra events (a tool call the model asked for, a changed tool) point back at their flow.
    const extraIds = (facts.extraEvents ?? []).map((extra) => this.deps.record({ session: event.session, ...extra, links: [...(extra.links ?? []), mainId] }) ?? '');
    facts.afterAppend?.(mainId, extraIds);
  }
}

function decoderFor(encoding: string | string[] | undefined): Transform | undefined {
  const value = (Array.isArray(encoding) ? encoding.join(',') : encoding ?? '').trim().toLowerCase();
  if (!value || value === 'identity') return undefined;
  if (value === 'gzip' || value === 'x-gzip') return zlib.createGunzip();
  if (value === 'br') return zlib.createBrotliDecompress();
  if (value === 'deflate') return zlib.createInflate();
  // Unknown or stacked encodings: the bytes still pass; the parser sees them undecoded.
  return undefined;
}

/** An IPv6 address as a URL writes it ([::1]) or as a socket does (::1). */
function unbracketed(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
