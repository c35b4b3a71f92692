import { completionCheckers, getLocal, requestSteps } from './mockttp-lean.js';
import { safeAppender } from '../audit/safe-append.js';
import type { NewAuditEvent } from '../../shared/events.js';
import type { Guard } from '../pipeline/verdict.js';
import type { CredentialBroker } from '../broker/broker.js';
import type { Settings } from '../settings.js';
import type { Analyzer } from './analyzer.js';
import type { LocalCa } from './ca.js';
import { addBrokerRule } from './broker-rule.js';
import { recordClientErrors } from './client-errors.js';
import { recordConnectionEvents } from './connection-events.js';
import { installFastLane } from './fast-lane.js';
import { FlowTracker } from './flow-tracker.js';
import { createGuardRequest } from './guard-request.js';
import { HeadMatcher } from './head-matcher.js';
import { installKeepAliveFix } from './keep-alive-fix.js';
import { installEcdsaLeafCertificates } from './leaf-certificates.js';
import { installLoopCheckFix } from './loop-check.js';
import { LOOPBACK_HOST, portBusyMessage, withLoopbackListen } from './loopback.js';
import { installPortCache } from './port-cache.js';
import { installSharedTlsContexts } from './shared-tls-context.js';
import { shareHttp2UpstreamTlsContexts } from './shared-tls-context-h2.js';
import { ProcessAttribution } from './process-attribution.js';
import { requestHead, urlParts } from './request-head.js';
import { GuardedPassThroughStep } from './guarded-step.js';
import { createToolUseGate } from './tool-use-gate.js';
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
 * requests have their (JSON) body read so the guard can judge them before they leave
 * (guard-request.ts); everything else streams straight through. Responses are never
 * buffered: they are observed chunk by chunk through mockttp's body-data events as they
 * pass (flow-tracker.ts). This file wires the routes and mockttp's events together.
 */
export async function startProxy(deps: ProxyDeps, port: number): Promise<RunningProxy> {
  installEcdsaLeafCertificates();
  installUpstreamErrorResponses();
  installLoopCheckFix();
  installKeepAliveFix();
  installSharedTlsContexts();
  shareHttp2UpstreamTlsContexts();
  installPortCache();
  const proxySettings = deps.settings.proxy;
  const server = getLocal({
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

  const gate = createToolUseGate({ trustedCAs: passthroughOptions.additionalTrustedCAs, upstreamProxy: upstream.setting, warn: deps.warn });

  /** Appends an event; a producer bug is reported, never thrown into mockttp's event loop. */
  const record = safeAppender(deps.audit, deps.warn);

  // What the self-request matcher and process attribution compare with: the port asked
  // for until mockttp listens (0 asks for any), then the one it got.
  let ownPort = port;
  const processes = new ProcessAttribution(() => ownPort, proxySettings.attributeProcesses && process.platform === 'linux');
  const flows = new FlowTracker({ attributeClient: deps.attributeClient, record, warn: deps.warn, processes });
  const guardRequest = createGuardRequest({ analyzer: deps.analyzer, guard: deps.guard, settings: deps.settings, flows });

  // A request whose destination is this proxy would be forwarded to itself forever
  // (mockttp's own loop check does not catch a plain-HTTP request to its own port).
  // Rules never "complete" (see broker-rule.ts): the first matching rule wins, in this order,
  // and mockttp answers from its first pass instead of re-filtering every rule per request.
  await server.addRequestRule({
    matchers: [new HeadMatcher((req) => isSelf(req.url, ownPort), 'a request addressed to Belay itself')],
    completionChecker: new completionCheckers.Always(),
    steps: [new requestSteps.FixedResponseStep(508, 'Loop Detected', 'Belay will not forward a request to itself: point the client at the real destination, with Belay as its proxy.\n', { 'content-type': 'text/plain; charset=utf-8' })],
  });

  if (deps.broker) {
    await addBrokerRule(server, { broker: deps.broker, analyzer: deps.analyzer, flows, guardRequest, gate, passthroughOptions, maxInspectBytes: proxySettings.maxInspectBytes });
  }

  // Guarded route: LLM / MCP / A2A requests with a JSON body are judged before they leave.
  await server.addRequestRule({
    matchers: [new HeadMatcher((req) => deps.analyzer.needsBody(requestHead(req)), 'LLM, MCP or A2A request with a body')],
    completionChecker: new completionCheckers.Always(),
    steps: [new GuardedPassThroughStep((req) => guardRequest(req), gate, passthroughOptions).asStep()],
  });
  await server.forAnyWebSocket().thenPassThrough(passthroughOptions);
  await server.forUnmatchedRequest().thenPassThrough(passthroughOptions);

  if (proxySettings.fastLane) {
    installFastLane(server, { analyzer: deps.analyzer, flows, guardRequest, gate, broker: deps.broker, isSelf: (url) => isSelf(url, ownPort), maxInspectBytes: proxySettings.maxInspectBytes, warn: deps.warn });
  }

  // Observation: every request gets a flow; body-less protocol requests (GET streams,
  // DELETE) are analysed from their head.
  await server.on('request-initiated', (req) => {
    const flow = flows.open(req);
    const head = requestHead(req);
    deps.broker?.inspectHead({ url: req.url, host: head.host, headers: req.headers, client: flow.client }); // issue 9: real keys held by clients
    if (!deps.analyzer.needsBody(head) && Object.keys(flow.base).length === 0) {
      const analysis = deps.analyzer.analyze({ ...head, id: req.id, client: flow.client });
      flow.base = analysis.base;
      flow.observer = analysis.observer;
    }
  });
  await server.on('response-initiated', (res) => {
    const flow = flows.get(res.id);
    if (flow) flows.startResponse(flow, res.statusCode, res.headers);
  });
  await server.on('response-body-data', (data) => {
    const flow = flows.get(data.id);
    if (!flow) return;
    flow.bytesOut += data.content.byteLength;
    if (data.content.byteLength) flows.feedResponse(flow, data.content);
    if (data.isEnded) flows.finish(flow, false);
  });
  // WebSockets never reach the request events above: log each one when it closes (or, via
  // 'abort', when it dies), so an upgrade is as visible as any other request.
  await server.on('websocket-request', (req) => {
    const flow = flows.open(req);
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
    flows.finish(flow, false);
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
    flows.noteAbort(flow.id, cause);
    // Held for a decision: the event is written once the guard has answered (the
    // approval is withdrawn at once), so it records what was decided, not "allowed".
    if (flow.judging) {
      flow.judging.abort();
      return;
    }
    setTimeout(() => flows.finish(flow, true, cause), ABORT_SETTLE_MS).unref();
  });
  await server.on('rule-event', (event) => {
    if (event.eventType !== 'passthrough-abort') return;
    const flow = flows.get(event.requestId);
    const error = (event.eventData as { error?: { message?: string; code?: string } }).error;
    if (flow && error) flow.error = describeUpstreamError(`${error.code ?? ''} ${error.message ?? ''}`);
    // The answer had already begun: the client's response is aborted (upstream-errors.ts)
    // and no end of body will be announced, so the flow ends here.
    if (flow && flow.status !== undefined) flows.finish(flow, true, flow.error);
  });
  await recordClientErrors(server, record, deps.attributeClient);
  await recordConnectionEvents(server, record);

  try {
    await withLoopbackListen(() => server.start(port));
  } catch (err) {
    // Nothing may outlive a failed start: a listener left open would keep `belay serve`
    // running (silently, after printing the error) instead of exiting 1.
    await server.stop().catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortBusyError(portBusyMessage(port));
    throw err;
  }
  ownPort = server.port;
  // Off the start-up path: listening comes first, then the gate's TLS context is built.
  setTimeout(() => gate.warm(), 0).unref();

  return {
    port: server.port,
    url: `http://${LOOPBACK_HOST}:${server.port}`,
    activeFlows: () => flows.size,
    stop: async () => {
      await server.stop();
      gate.close();
      flows.finishAll('Belay stopped before the response ended');
    },
  };
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function isSelf(url: string, ownPort: number): boolean {
  try {
    const u = urlParts(url);
    const port = u.port ?? (u.protocol === 'https:' ? 443 : 80);
    return port === ownPort && (LOOPBACK_NAMES.has(u.host) || u.host.startsWith('127.'));
  } catch {
    return false;
  }
}

/** Longer than mockttp's 20 ms body-data batching plus its async announcements. */
const ABORT_SETTLE_MS = 60;
