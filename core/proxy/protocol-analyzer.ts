import type { NewAuditEvent } from '../../shared/events.js';
import { redactUrl } from '../audit/redact.js';
import type { GuardAction } from '../pipeline/action.js';
import type { McpDoor, McpDoorContext } from '../pipeline/mcp-door.js';
import type { Verdict } from '../pipeline/verdict.js';
import { readA2aRequest } from '../protocols/a2a/index.js';
import { classify, type Classification } from '../protocols/classify.js';
import { createLlmExchange, type LlmExchangeFacts, type LlmExchangeOutcome } from '../protocols/llm/exchange.js';
import type { LlmToolCall, LlmUsage } from '../protocols/llm/types.js';
import { blockedText, mcpRefusalFor, McpHttpExchange, type McpFacts, type McpHttpSessions, type RefusalCause } from '../protocols/mcp/index.js';
import type { TimelineLinker } from '../timeline/index.js';
import type { Analyzer, RequestAnalysis, RequestHead, SyntheticResponse } from './analyzer.js';
import type { FlowFacts, FlowOutcome, ResponseObserver } from './flow.js';

export interface ProtocolAnalyzerDeps {
  mcpSessions: McpHttpSessions;
  mcpDoor: McpDoor;
  linker: TimelineLinker;
  /**
   * Writes an audit event now. Used for messages on long-lived MCP streams, which would
   * otherwise wait until the stream closes; without it they are written with the flow.
   */
  record?(e: NewAuditEvent): void;
  /** Completed LLM answers, for budgets. */
  onLlmUsage?(client: string, usage: LlmUsage, costUsd: number | undefined): void;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Protocol analysis for the proxy: what each request is (classify), what the guard must
 * judge before it leaves, how to refuse it in the protocol's own form, and an observer
 * that reads the response as it passes.
 */
export function createProtocolAnalyzer(deps: ProtocolAnalyzerDeps): Analyzer {
  return {
    // JSON bodies are read before forwarding (LLM prompts, MCP and A2A JSON-RPC); other
    // bodies (uploads, forms, binaries) stream straight through, never held.
    needsBody(head) {
      if (!BODY_METHODS.has(head.method)) return false;
      const type = String(head.headers['content-type'] ?? '').toLowerCase();
      return type.includes('json') || (type === '' && classify(head).protocol !== 'http');
    },

    analyze(head, body, bodyTruncated) {
      let parsed: unknown;
      if (body && body.length) {
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          parsed = undefined;
        }
      }
      const cls = classify(head, body, parsed);
      const path = redactUrl(head.path);
      switch (cls.protocol) {
        case 'llm':
          return analyzeLlm(deps, cls, head, path, parsed, Boolean(bodyTruncated) || (body !== undefined && body.length > 0 && parsed === undefined));
        case 'mcp':
          return analyzeMcp(deps, head, path, body);
        case 'a2a':
          return analyzeA2a(cls, head, parsed);
        default:
          return { base: { type: 'http', protocol: 'http' }, actions: [] };
      }
    },
  };
}

/** The reason a refusal gives, without its closing period: callers end the sentence themselves. */
function refusalMessage(v: Verdict): string {
  const reason = v.reason ?? (v.rule && v.rule !== 'default' ? `policy rule "${v.rule}"` : v.findings[0]?.message ?? 'policy');
  return reason.trim().replace(/[.\s]+$/, '') || 'policy';
}

function refusalCause(v: Verdict): RefusalCause {
  switch (v.decidedBy) {
    case 'human':
      return 'declined';
    case 'timeout':
    case 'unavailable':
      return 'timeout';
    case 'paused':
      return 'paused';
    case 'error':
      return 'error';
    default:
      return 'policy';
  }
}

function analyzeLlm(deps: ProtocolAnalyzerDeps, cls: Classification, head: RequestHead, path: string, body: unknown, bodyTruncated: boolean): RequestAnalysis {
  const exchange = createLlmExchange(cls, { method: head.method, host: head.host, path, client: head.client, body, bodyTruncated });
  const llm = exchange.observer();
  let facts: LlmExchangeFacts | undefined;
  const finishOnce = (outcome: LlmExchangeOutcome): LlmExchangeFacts => (facts ??= llm.finish(outcome));
  // Answers to requests that offer tools may contain tool calls: those go through the gate,
  // which parses them itself; the proxy's tap must then leave the parser alone.
  const gated = exchange.facts.toolsOffered.length > 0;
  let toolVerdicts = new Map<number, Verdict>();
  const observer: ResponseObserver = {
    onHead: (status, headers) => {
      if (!gated) llm.onHead(status, headers);
    },
    onData: (chunk) => {
      if (!gated) llm.onData(chunk);
    },
    finish: (outcome: FlowOutcome): FlowFacts => {
      const f = finishOnce(outcome);
      const usage = f.summary?.usage;
      const cost = f.event.data?.costUsd;
      if (usage) deps.onLlmUsage?.(head.client, usage, typeof cost === 'number' ? cost : undefined);
      const calls = f.summary?.toolCalls ?? [];
      // A call the gate never judged because an earlier call in the same answer was refused
      // was never delivered either: its event must not read as allowed.
      const answerRefused = [...toolVerdicts.values()].some((v) => v.outcome === 'deny');
      const extraEvents = f.extraEvents.map((e) => {
        const verdict = toolVerdicts.get(Number(e.data?.index));
        if (verdict || !gated || !answerRefused) return withToolVerdict(e, verdict);
        return { ...e, decision: 'deny' as const, rule: 'answer-refused', data: { ...e.data, outcome: 'not-delivered' } };
      });
      const refused = extraEvents.filter((e) => e.decision === 'deny').length;
      const event = refused ? { ...f.event, data: { ...f.event.data, toolCallsRefused: refused } } : f.event;
      return {
        event,
        extraEvents,
        afterAppend: (_mainId, extraIds) => noteToolCalls(deps.linker, head.client, calls, extraIds, outcome.endedAt),
      };
    },
  };
  const actions: GuardAction[] = body === undefined && !bodyTruncated ? [] : [exchange.action];
  const refuseWith = (message: string) => {
    const r = exchange.refuse(message, 403);
    return { status: r.status, headers: r.headers, body: r.body };
  };
  return {
    base: exchange.base,
    actions,
    observer,
    refuse: (verdicts) => refuseWith(`Blocked by Belay: ${refusalMessage(verdicts.find((v) => v.outcome === 'deny') ?? verdicts[0])}.`),
    redact: (secrets) => (body === undefined ? undefined : Buffer.from(JSON.stringify(replaceSecrets(body, secrets)))),
    gate: gated
      ? {
          stream: cls.stream === true || exchange.facts.stream,
          observer: llm,
          finish: finishOnce,
          refusalMessage: (v) => `Blocked by Belay: ${refusalMessage(v)}. The tool call was not delivered.`,
          plainRefusal: refuseWith,
          onVerdicts: (verdicts) => {
            toolVerdicts = verdicts;
          },
          toolUseAction: (call): GuardAction => ({
            kind: 'llm.tool_use',
            client: head.client,
            transport: 'proxy',
            host: head.host,
            path,
            method: head.method,
            provider: exchange.action.provider,
            model: exchange.action.model,
            tool: call.name,
            arguments: call.arguments,
            phase: 'request',
          }),
        }
      : undefined,
  };
}

/** A tool call's own event carries the guard's verdict on it (when the gate judged it). */
function withToolVerdict(e: NewAuditEvent, v: Verdict | undefined): NewAuditEvent {
  if (!v) return e;
  return {
    ...e,
    decision: v.decision,
    decidedBy: v.decidedBy,
    rule: v.rule,
    risk: v.risk,
    data: {
      ...e.data,
      outcome: v.outcome,
      ...(v.findings.length ? { findings: v.findings.map(({ secretValues: _s, ...f }) => f) } : {}),
      ...(v.heldMs ? { heldMs: v.heldMs } : {}),
      ...(v.approvalId ? { approvalId: v.approvalId } : {}),
    },
  };
}

function noteToolCalls(linker: TimelineLinker, client: string, calls: LlmToolCall[], eventIds: string[], at: number): void {
  calls.forEach((call, i) => {
    const eventId = eventIds[i];
    if (eventId) linker.noteLlmToolCall({ client, eventId, name: call.name, arguments: call.arguments, at });
  });
}

/** Replaces every occurrence of the secrets in every string of a JSON value. */
export function replaceSecrets(value: unknown, secrets: string[]): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const s of secrets) if (s && out.includes(s)) out = out.split(s).join('[REDACTED by Belay]');
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => replaceSecrets(v, secrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSecrets(v, secrets)]));
  }
  return value;
}

function analyzeMcp(deps: ProtocolAnalyzerDeps, head: RequestHead, path: string, body: Buffer | undefined): RequestAnalysis {
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

function analyzeA2a(cls: Classification, head: RequestHead, body: unknown): RequestAnalysis {
  if (cls.a2a?.kind === 'agent-card') {
    return { base: { type: 'a2a.agent_card', protocol: 'a2a', server: head.host }, actions: [] };
  }
  const { facts } = body === undefined ? { facts: [] } : readA2aRequest(body);
  const first = facts[0];
  const action: GuardAction = {
    kind: 'a2a.message',
    client: head.client,
    transport: 'proxy',
    host: head.host,
    path: redactUrl(head.path),
    method: first?.method ?? cls.a2a?.method,
    server: head.host,
    texts: facts.map((f) => f.text).filter((t): t is string => Boolean(t)),
  };
  return {
    base: {
      type: 'a2a.message',
      protocol: 'a2a',
      server: head.host,
      method: action.method,
      data: { taskId: first?.taskId, contextId: first?.contextId, op: first?.op, version: first?.version },
    },
    actions: body === undefined ? [] : [action],
  };
}
