import type { NewAuditEvent } from '../../../shared/events.js';
import type { McpDoorContext } from '../../pipeline/mcp-door.js';
import type { Verdict } from '../../pipeline/verdict.js';
import { blockedText, mcpRefusalFor, McpHttpExchange, type McpFacts } from '../../protocols/mcp/index.js';
import type { RequestAnalysis, RequestHead, SyntheticResponse } from '../analyzer.js';
import type { FlowFacts, FlowOutcome, ResponseObserver } from '../flow.js';
import type { ProtocolAnalyzerDeps } from '../protocol-analyzer.js';
import { refusalCause, refusalMessage } from './refusal-words.js';

/** An MCP message over HTTP: judged through the MCP door, its answers read as they pass. */
export function analyzeMcp(deps: ProtocolAnalyzerDeps, head: RequestHead, path: string, body: Buffer | undefined): RequestAnalysis {
  const hostWithPort = head.port ? `${head.host}:${head.port}` : head.host;
  const exchange = new McpHttpExchange(deps.mcpSessions, { method: head.method, host: hostWithPort, path: head.path, headers: head.headers }, head.client, body);
  const ctx: McpDoorContext = {
    client: head.client,
    transport: 'proxy',
    server: exchange.entry.server,
    session: exchange.entry.session,
    host: head.host,
    path,
  };
  const requests = exchange.requestFacts;
  const actions = deps.mcpDoor.actionsFor(requests, ctx);
  const first = requests[0];
  const responses: McpFacts[] = [];
  // Messages on this flow that answer other requests (the GET stream of the legacy
  // transport, server-initiated requests) get events of their own — written as they pass
  // when a recorder is wired, since such a stream can stay open for hours.
  const ownEvent = (r: McpFacts): NewAuditEvent => {
    const e = deps.mcpDoor.eventFor(undefined, r, ctx);
    return { transport: 'proxy', client: head.client, host: head.host, path, ...e, type: e.type ?? 'mcp.message', protocol: 'mcp' } as NewAuditEvent;
  };
  const isAnswer = (r: McpFacts) => first !== undefined && r.id === first.id && r.type !== 'request';
  const take = (facts: McpFacts[]): McpFacts[] => {
    if (!deps.record) return facts;
    const kept: McpFacts[] = [];
    for (const r of facts) {
      if (isAnswer(r)) {
        kept.push(r);
        continue;
      }
      for (const e of [ownEvent(r), ...deps.mcpDoor.observe([r], ctx)]) deps.record(e);
    }
    return kept;
  };
  const observer: ResponseObserver = {
    onHead: (status, headers) => exchange.onResponseHeaders(status, headers),
    onData: (chunk) => {
      responses.push(...take(exchange.onResponseChunk(chunk)));
    },
    finish: (outcome: FlowOutcome): FlowFacts => {
      responses.push(...take(exchange.onResponseEnd()));
      const extraEvents = deps.mcpDoor.observe([...requests, ...responses], ctx);
      const answer = responses.find(isAnswer);
      for (const r of responses) if (r !== answer) extraEvents.push(ownEvent(r));
      // A refusal is Belay's answer, not the tool failing: the verdict keeps it from reading as a tool error.
      const event = deps.mcpDoor.eventFor(first, answer, ctx, outcome.verdict);
      if (exchange.requestError) event.error = event.error ?? `unreadable MCP request: ${exchange.requestError}`;
      if (exchange.responseError) event.data = { ...event.data, responseNote: exchange.responseError };
      if (requests.length > 1) event.data = { ...event.data, batch: requests.length };
      return { event, extraEvents };
    },
  };
  return {
    base: { type: requests[0]?.kind ?? 'mcp.message', protocol: 'mcp', server: exchange.entry.server },
    actions,
    observer,
    refuse: (verdicts) => mcpRefusalResponse(requests.filter((f) => f.type === 'request'), verdicts),
  };
}

/** A JSON-RPC answer for each request in the (batch) message: refused ones carry Belay's fixed text. */
function mcpRefusalResponse(requests: McpFacts[], verdicts: Verdict[]): SyntheticResponse {
  // Only requests (which always carry an id) are judged, so every answer has one.
  const answers = requests.map((f, i) => {
    const v = verdicts[i] ?? verdicts.find((x) => x.outcome === 'deny') ?? verdicts[0];
    return mcpRefusalFor(f.method ?? '', f.id ?? 0, blockedText(refusalMessage(v), refusalCause(v)));
  });
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(answers.length === 1 ? answers[0] : answers),
  };
}
