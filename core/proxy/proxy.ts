import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import * as mockttp from 'mockttp';
import type { NewAuditEvent } from '../../shared/events.js';
import type { Guard, Verdict } from '../pipeline/verdict.js';
import { BROKER_KEYS_FIELD, type CredentialBroker } from '../broker/broker.js';
import type { Settings } from '../settings.js';
import type { Analyzer, RequestHead } from './analyzer.js';
import type { LocalCa } from './ca.js';
import type { ProxyFlow } from './flow.js';
import { recordConnectionEvents } from './connection-events.js';
import { HeadMatcher } from './head-matcher.js';
import { installIpSanFix } from './leaf-san.js';
import { installLoopCheckFix } from './loop-check.js';
import { LOOPBACK_HOST, portBusyMessage, withLoopbackListen } from './loopback.js';
import { bodyForStorage, redactUrl } from '../audit/redact.js';
import { ProcessAttribution } from './process-attribution.js';
import { startToolUseGate } from './tool-use-gate.js';
import { describeUpstreamError, installUpstreamErrorResponses } from './upstream-errors.js';
import { upstreamProxy, upstreamTrustedCAs } from './upstream.js';

export interface ProxyDeps {
  ca: LocalCa;
  settings: Settings;
  guard: Guard;
  analyzer: Analyzer;
  audit: { append(e: NewAuditEvent): { id: string } };
  /** Client app id from request headers (User-Agent and friends). */
  attributeClient(headers: Record<string, string | string[] | undefined>): string;
  warn(message: string): void;
  /** Credential broker (issue 9): swaps `belay-key:NAME` placeholders on allowed routes. */
  broker?: Pick<CredentialBroker, 'carriesPlaceholder' | 'resolve' | 'inspectHead'>;
}

export interface RunningProxy {
  port: number;
  url: string;
  /** Flows in progress (for status and the soak test's leak check). */
  activeFlows(): number;
  stop(): Promise<void>;
}

export class PortBusyError extends Error {}

/**
 * The local MITM proxy: mockttp with Belay's CA, bound to 127.0.0.1 only. LLM, MCP and A2A
 * requests have their (JSON) body read so the guard can judge them before they leave;
 * everything else streams straight through. Responses are never buffered: they are
 * observed chunk by chunk through mockttp's body-data events as they pass.
 */
export async function startProxy(deps: ProxyDeps, port: number): Promise<RunningProxy> {
  installIpSanFix();
  installUpstreamErrorResponses();
  installLoopCheckFix();
  const proxySettings = deps.settings.proxy;
  const server = mockttp.getLocal({
    https: {
      cert: deps.ca.cert,
      key: deps.ca.key,
      tlsPassthrough: proxySettings.tlsPassthrough.map((hostname) => ({ hostname })),
    },
    http2: 'fallback',
    passthrough: ['unknown-protocol'],
    recordTraffic: false,
    suggestChanges: false,
    cors: false,
    maxBodySize: proxySettings.maxInspectBytes,
  });

  const upstream = upstreamProxy(proxySettings, port);
  if (upstream.warning) deps.warn(upstream.warning);
  const passthroughOptions = {
    additionalTrustedCAs: upstreamTrustedCAs(proxySettings),
    proxyConfig: upstream.setting,
  };

  const gate = await startToolUseGate({ trustedCAs: passthroughOptions.additionalTrustedCAs, upstreamProxy: upstream.setting, warn: deps.warn });

  /** Appends an event; a producer bug is reported, never thrown into mockttp's event loop. */
  const record = (e: NewAuditEvent): string | undefined => {
    try {
      return deps.audit.append(e).id;
    } catch (err) {
      deps.warn(`an audit event was refused: ${(err as Error).message}`);
      return undefined;
    }
  };

  const flows = new Map<string, ProxyFlow>();
  /** Flows aborted whose event waits for their last body bytes (see the 'abort' handler). */
  const abortReasons = new Map<string, string>();
  const processes = new ProcessAttribution(() => server.port, proxySettings.attributeProcesses && process.platform === 'linux');
  const decoders = new Map<string, Transform>();

  const headOf = (req: mockttp.Request): Omit<RequestHead, 'client' | 'id'> => {
    const url = new URL(req.url);
    return {
      method: req.method,
      url: req.url,
      host: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: `${url.pathname}${url.search}`,
      headers: req.headers,
    };
  };

  const openFlow = (req: mockttp.Request): ProxyFlow => {
    let flow = flows.get(req.id);
    if (flow) return flow;
    const head = headOf(req);
    flow = {
      id: req.id,
      startedAt: req.timingEvents.startTime,
      method: req.method,
      url: req.url,
      host: head.host,
      path: redactUrl(head.path),
      client: deps.attributeClient(req.headers),
      base: {},
      bytesOut: 0,
      done: false,
    };
    const contentLength = Number(req.headers['content-length']);
    if (Number.isFinite(contentLength)) flow.bytesIn = contentLength;
    flows.set(req.id, flow);
    const opened = flow;
    void processes.lookup(req.remotePort).then((p) => {
      if (p) opened.process = p;
    });
    return flow;
  };

  const finishFlow = (flow: ProxyFlow, aborted: boolean, error?: string): void => {
    if (flow.done) return;
    // Once the client aborted, that is what happened, whatever ends the flow afterwards
    // (mockttp ends the response when the upstream it tore down resets).
    const abortedWith = abortReasons.get(flow.id);
    if (abortedWith !== undefined) {
      abortReasons.delete(flow.id);
      aborted = true;
      error = abortedWith;
    }
    flow.done = true;
    flows.delete(flow.id);
    const decoder = decoders.get(flow.id);
    decoders.delete(flow.id);
    const write = () => {
      const endedAt = Date.now();
      let facts: ReturnType<NonNullable<ProxyFlow['observer']>['finish']> = {};
      try {
        facts = flow.observer?.finish({ status: flow.status, error: error ?? flow.error, aborted, endedAt, verdict: flow.verdict }) ?? {};
      } catch (err) {
        deps.warn(`protocol analysis failed for ${flow.method} ${flow.host}${flow.path}: ${(err as Error).message}`);
      }
      const verdict = flow.verdict;
      const event: NewAuditEvent = {
        type: 'http',
        protocol: 'http',
        transport: 'proxy',
        client: flow.client,
        startedAt: flow.startedAt,
        method: flow.method,
        host: flow.host,
        path: flow.path,
        status: flow.status,
        latencyMs: Math.max(0, endedAt - flow.startedAt),
        bytesIn: flow.bytesIn,
        bytesOut: flow.bytesOut,
        decision: verdict?.decision ?? 'allow',
        decidedBy: verdict?.decidedBy ?? 'default',
        rule: verdict?.rule,
        risk: verdict?.risk,
        error: error ?? flow.error,
        ...flow.base,
        ...facts.event,
        data: {
          ...(flow.base.data ?? {}),
          ...(facts.event?.data ?? {}),
          // An ask reads 'ask' in `decision` whatever the human answered: the outcome says
          // whether the flow went through, and a refusal keeps the reason it was given.
          ...(verdict ? { outcome: verdict.outcome } : {}),
          ...(verdict?.outcome === 'deny' ? { refused: 'request', ...(verdict.reason ? { reason: verdict.reason } : {}) } : {}),
          ...(verdict && verdict.findings.length ? { findings: verdict.findings.map(stripSecretValues) } : {}),
          ...(verdict?.heldMs ? { heldMs: verdict.heldMs } : {}),
          ...(verdict?.approvalId ? { approvalId: verdict.approvalId } : {}),
          ...(aborted && !error ? { aborted: true } : {}),
          ...(flow.process ? { process: flow.process } : {}),
        },
      };
      const mainId = record(event);
      if (mainId === undefined) return;
      // Extra events (a tool call the model asked for, a changed tool) point back at their flow.
      const extraIds = (facts.extraEvents ?? []).map((extra) => record({ session: event.session, ...extra, links: [...(extra.links ?? []), mainId] }) ?? '');
      facts.afterAppend?.(mainId, extraIds);
    };
    if (decoder) {
      decoder.once('end', write);
      decoder.once('error', write);
      decoder.end();
    } else {
      write();
    }
  };

  const feedResponse = (flow: ProxyFlow, chunk: Uint8Array) => {
    if (!flow.observer) return;
    const decoder = decoders.get(flow.id);
    if (decoder) decoder.write(chunk);
    else flow.observer.onData(chunk);
  };

  /**
   * The guard's check of an LLM / MCP / A2A request with a JSON body. `upstreamUrl` is the
   * URL the request really goes to (the broker may have swapped a `?key=` placeholder).
   */
  const guardRequest = async (req: mockttp.CompletedRequest, upstreamUrl: string = req.url): Promise<mockttp.requestSteps.CallbackRequestResult | undefined> => {
    const flow = openFlow(req);
    const body = req.body.buffer;
    const declared = Number(req.headers['content-length']);
    const truncated = Number.isFinite(declared) && declared > body.length;
    flow.bytesIn = Number.isFinite(declared) ? declared : body.length;
    let decoded: Buffer | undefined;
    try {
      decoded = truncated ? undefined : await req.body.getDecodedBuffer();
    } catch {
      decoded = undefined;
    }
    const analysis = deps.analyzer.analyze({ ...headOf(req), id: req.id, client: flow.client }, decoded, truncated || decoded === undefined);
    // Bodies are stored only when the user opted in, capped and redacted (audit/redact.ts).
    const stored = bodyForStorage(decoded, deps.settings.audit, String(req.headers['content-type'] ?? ''));
    flow.base = {
      ...analysis.base,
      data: { ...(analysis.base.data ?? {}), ...(truncated ? { bodyInspected: false } : {}), ...(stored ? { requestBody: stored } : {}) },
    };
    flow.observer = analysis.observer;
    if (analysis.actions.length === 0) return;
    const verdicts: Verdict[] = [];
    // While the guard judges (a human may take a minute), the client may give up: its
    // approval is then withdrawn, and the request is neither forwarded nor answered.
    const judging = new AbortController();
    flow.judging = judging;
    try {
      for (const action of analysis.actions) verdicts.push(await deps.guard.decide(action, { signal: judging.signal }));
    } finally {
      flow.judging = undefined;
    }
    flow.verdict = worstVerdict(verdicts);
    if (judging.signal.aborted) {
      finishFlow(flow, true, 'the client closed the connection while Belay was holding the request');
      return { response: 'close' };
    }
    if (verdicts.some((v) => v.outcome === 'deny')) {
      const refusal = analysis.refuse?.(verdicts) ?? {
        status: 403,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: 'Blocked by Belay.\n',
      };
      return { response: { statusCode: refusal.status, headers: refusal.headers, body: refusal.body } };
    }
    const secrets = verdicts.flatMap((v) => v.redactions ?? []);
    const redacted = secrets.length && analysis.redact ? analysis.redact(secrets) : undefined;
    if (analysis.gate) {
      const { toolUseAction, ...gated } = analysis.gate;
      const url = gate.register({ ...gated, url: upstreamUrl, judge: (call, signal) => deps.guard.decide(toolUseAction(call), { signal }) });
      return { url, ...(redacted ? { body: redacted } : {}) };
    }
    return redacted ? { body: redacted } : undefined;
  };

  // --- Credential broker (issue 9), first rule: requests carrying a `belay-key:NAME`
  // placeholder get the real key on its allowed route (after the guard, for JSON protocol
  // requests) or are refused. Head-only match; the body is read as on the guarded route.
  const broker = deps.broker;
  if (broker) {
    await server.addRequestRule({
      matchers: [new HeadMatcher((req) => broker.carriesPlaceholder(req.url, req.headers), 'request carrying a Belay key placeholder')],
      // Never "complete": mockttp otherwise lets a later matching rule win after the first use.
      completionChecker: new mockttp.completionCheckers.Always(),
      steps: [
        new mockttp.requestSteps.PassThroughStep({
          ...passthroughOptions,
          beforeRequest: async (req) => {
            const flow = openFlow(req);
            const refuse = (status: number, reason: string, response?: { status: number; headers: Record<string, string>; body: string }) => {
              flow.verdict = { outcome: 'deny', decision: 'deny', decidedBy: 'policy', rule: 'belay-key', reason, risk: 'high', findings: [] };
              flow.base = { ...flow.base, data: { ...(flow.base.data ?? {}), brokerRefused: reason } };
              const r = response ?? { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${reason}\n` };
              return { response: { statusCode: r.status, headers: r.headers, body: r.body } };
            };
            const decision = await broker.resolve({ ...headOf(req), client: flow.client });
            if (!decision.ok) return refuse(decision.response.status, decision.reason, decision.response);
            const declared = Number(req.headers['content-length']);
            if (Number.isFinite(declared) && declared > req.body.buffer.length) {
              return refuse(413, `Belay cannot swap a key into a request body larger than proxy.maxInspectBytes (${proxySettings.maxInspectBytes} bytes).`);
            }
            const guarded = deps.analyzer.needsBody(headOf(req)) ? await guardRequest(req, decision.url ?? req.url) : undefined;
            flow.base = { ...flow.base, data: { ...(flow.base.data ?? {}), [BROKER_KEYS_FIELD]: decision.keys } };
            if (guarded?.response) return guarded;
            return { ...guarded, headers: decision.headers, url: guarded?.url ?? decision.url };
          },
        }),
      ],
    });
  }

  // Guarded route: LLM / MCP / A2A requests with a JSON body are judged before they leave.
  await server.addRequestRule({
    matchers: [new HeadMatcher((req) => deps.analyzer.needsBody(headOf(req)), 'LLM, MCP or A2A request with a body')],
    steps: [
      new mockttp.requestSteps.PassThroughStep({
        ...passthroughOptions,
        beforeRequest: (req) => guardRequest(req),
      }),
    ],
  });
  await server.forAnyWebSocket().thenPassThrough(passthroughOptions);
  await server.forUnmatchedRequest().thenPassThrough(passthroughOptions);

  // Observation: every request gets a flow; body-less protocol requests (GET streams,
  // DELETE) are analysed from their head.
  await server.on('request-initiated', (req) => {
    const flow = openFlow(req);
    const head = headOf(req);
    deps.broker?.inspectHead({ url: req.url, host: head.host, headers: req.headers, client: flow.client }); // issue 9: real keys held by clients
    if (!deps.analyzer.needsBody(head) && Object.keys(flow.base).length === 0) {
      const analysis = deps.analyzer.analyze({ ...head, id: req.id, client: flow.client });
      flow.base = analysis.base;
      flow.observer = analysis.observer;
    }
  });
  await server.on('response-initiated', (res) => {
    const flow = flows.get(res.id);
    if (!flow) return;
    flow.status = res.statusCode;
    if (res.headers['x-belay-upstream-error']) flow.error = flow.error ?? 'upstream unreachable';
    flow.observer?.onHead?.(res.statusCode, res.headers);
    const decoder = flow.observer ? decoderFor(res.headers['content-encoding']) : undefined;
    if (decoder && flow.observer) {
      const observer = flow.observer;
      decoder.on('data', (chunk: Buffer) => observer.onData(chunk));
      decoder.on('error', (err) => {
        flow.error = flow.error ?? `could not decode the response body: ${err.message}`;
      });
      decoders.set(flow.id, decoder);
    }
  });
  await server.on('response-body-data', (data) => {
    const flow = flows.get(data.id);
    if (!flow) return;
    flow.bytesOut += data.content.byteLength;
    if (data.content.byteLength) feedResponse(flow, data.content);
    if (data.isEnded) finishFlow(flow, false);
  });
  // WebSockets never reach the request events above: log each one when it closes (or, via
  // 'abort', when it dies), so an upgrade is as visible as any other request.
  await server.on('websocket-request', (req) => {
    const flow = openFlow(req);
    flow.base = { ...flow.base, data: { ...(flow.base.data ?? {}), websocket: true } };
  });
  await server.on('websocket-accepted', (res) => {
    const flow = flows.get(res.id);
    if (flow) flow.status = res.statusCode;
  });
  await server.on('websocket-close', (close) => {
    const flow = flows.get(close.streamId);
    if (!flow) return;
    flow.base = { ...flow.base, data: { ...(flow.base.data ?? {}), closeCode: close.closeCode } };
    finishFlow(flow, false);
  });
  // mockttp batches response body-data events (every 20 ms) and announces an abort on its
  // own schedule, so the last bytes of an aborted response can arrive after the abort: the
  // answer to the last MCP call on an SSE stream the client then closes, the final tokens of
  // an LLM stream. The event is written a moment later, once those bytes were observed.
  await server.on('abort', (req) => {
    const flow = flows.get(req.id);
    if (!flow) return;
    const reason = req.error?.message ? describeUpstreamError(req.error.message) : 'the client closed the connection before the response ended';
    // The cause is fixed now: the upstream reset that follows a client's close is not it.
    const cause = flow.error ?? reason;
    abortReasons.set(flow.id, cause);
    // Held for a decision: the event is written once the guard has answered (the
    // approval is withdrawn at once), so it records what was decided, not "allowed".
    if (flow.judging) {
      flow.judging.abort();
      return;
    }
    setTimeout(() => finishFlow(flow, true, cause), ABORT_SETTLE_MS).unref();
  });
  await server.on('rule-event', (event) => {
    if (event.eventType !== 'passthrough-abort') return;
    const flow = flows.get(event.requestId);
    const error = (event.eventData as { error?: { message?: string; code?: string } }).error;
    if (flow && error) flow.error = describeUpstreamError(`${error.code ?? ''} ${error.message ?? ''}`);
    // The answer had already begun: the client's response is aborted (upstream-errors.ts)
    // and no end of body will be announced, so the flow ends here.
    if (flow && flow.status !== undefined) finishFlow(flow, true, flow.error);
  });
  await server.on('client-error', (err) => {
    record({
      type: 'http',
      protocol: 'http',
      transport: 'proxy',
      client: deps.attributeClient(err.request.headers ?? {}),
      // What mockttp "parsed" out of garbage is garbage (binary bytes as a method): keep only real tokens.
      method: err.request.method && HTTP_TOKEN.test(err.request.method) ? err.request.method : undefined,
      host: err.request.destination?.hostname,
      path: err.request.path && PRINTABLE_PATH.test(err.request.path) ? redactUrl(err.request.path) : undefined,
      status: err.response === 'aborted' ? undefined : err.response.statusCode,
      error: /UNKNOWN_PROTOCOL/.test(err.errorCode ?? '')
        ? 'the client sent bytes that are not HTTP to the proxy port (a non-HTTP client pointed at Belay?); the connection was closed'
        : `malformed request from the client (${err.errorCode ?? 'unparseable HTTP'})`,
      decision: 'allow',
    });
  });
  await server.on('tls-client-error', (failure) => {
    const host = failure.tlsMetadata.sniHostname ?? failure.destination?.hostname ?? 'unknown host';
    const why =
      failure.failureCause === 'cert-rejected'
        ? `the client rejected Belay's certificate for ${host}: it does not trust Belay's CA yet (see \`belay ca path\` / \`belay ca install\`)`
        : `TLS handshake with the client failed for ${host} (${failure.failureCause})`;
    record({ type: 'http', protocol: 'http', transport: 'proxy', client: 'unknown', host, error: why, decision: 'allow' });
  });

  await recordConnectionEvents(server, record, deps.attributeClient);

  try {
    await withLoopbackListen(() => server.start(port));
  } catch (err) {
    // Nothing may outlive a failed start: the tool-use gate's listener would keep
    // `belay serve` running (silently, after printing the error) instead of exiting 1.
    await Promise.allSettled([server.stop(), gate.close()]);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortBusyError(portBusyMessage(port));
    throw err;
  }

  return {
    port: server.port,
    url: `http://${LOOPBACK_HOST}:${server.port}`,
    activeFlows: () => flows.size,
    stop: async () => {
      await server.stop();
      await gate.close();
      for (const flow of [...flows.values()]) finishFlow(flow, true, 'Belay stopped before the response ended');
    },
  };
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

/** Longer than mockttp's 20 ms body-data batching plus its async announcements. */
const ABORT_SETTLE_MS = 60;

const HTTP_TOKEN = /^[A-Z][A-Z-]{0,19}$/;
const PRINTABLE_PATH = /^[\x21-\x7e]{1,2048}$/;

const ORDER = ['allow', 'redact', 'ask', 'deny'] as const;

/** The verdict the flow's event reports: a deny beats a redaction beats an allow. */
function worstVerdict(verdicts: Verdict[]): Verdict {
  return verdicts.reduce((worst, v) => {
    const rank = (x: Verdict) => (x.outcome === 'deny' ? 10 : 0) + ORDER.indexOf(x.decision);
    return rank(v) > rank(worst) ? v : worst;
  });
}

function stripSecretValues<T extends { secretValues?: string[] }>(finding: T): Omit<T, 'secretValues'> {
  const { secretValues: _secrets, ...rest } = finding;
  return rest;
}
