import type { NewAuditEvent } from '../../../shared/events.js';
import type { GuardAction } from '../../pipeline/action.js';
import type { Verdict } from '../../pipeline/verdict.js';
import type { Classification } from '../../protocols/classify.js';
import { createLlmExchange, type LlmExchangeFacts, type LlmExchangeOutcome } from '../../protocols/llm/exchange.js';
import type { LlmToolCall } from '../../protocols/llm/types.js';
import type { TimelineLinker } from '../../timeline/index.js';
import type { RequestAnalysis, RequestHead } from '../analyzer.js';
import type { FlowFacts, FlowOutcome, ResponseObserver } from '../flow.js';
import type { ProtocolAnalyzerDeps } from '../protocol-analyzer.js';
import { refusalMessage } from './refusal-words.js';

/** An LLM call: its request judged, its answer observed (or held at tool calls by the gate). */
export function analyzeLlm(deps: ProtocolAnalyzerDeps, cls: Classification, head: RequestHead, path: string, body: unknown, bodyTruncated: boolean): RequestAnalysis {
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
