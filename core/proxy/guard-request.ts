import type * as mockttp from 'mockttp';
import type { Guard, Verdict } from '../pipeline/verdict.js';
import type { Settings } from '../settings.js';
import { bodyForStorage } from '../audit/redact.js';
import { LazyAbort } from '../pipeline/lazy-abort.js';
import type { Analyzer } from './analyzer.js';
import type { FlowTracker } from './flow-tracker.js';
import { requestHead } from './request-head.js';
import type { GuardDecision } from './guarded-step.js';

export interface GuardRequestDeps {
  analyzer: Analyzer;
  guard: Guard;
  settings: Pick<Settings, 'audit'>;
  flows: FlowTracker;
}

/**
 * The request as the guard reads it: mockttp's completed request on its path, or the fast
 * lane's own (fast-lane.ts), which has the same parts.
 */
export type JudgedRequest = Pick<mockttp.CompletedRequest, 'id' | 'method' | 'url' | 'headers' | 'remotePort'> & {
  timingEvents: { startTime: number };
  body: { buffer: Buffer; getDecodedBuffer(): Promise<Buffer | undefined> };
};

export type GuardRequest = (req: JudgedRequest, upstreamUrl?: string) => Promise<GuardDecision | undefined>;

/**
 * The guard's check of an LLM / MCP / A2A request with a JSON body, before it leaves:
 * analyse the body, ask the guard about each action, then forward it (possibly redacted,
 * possibly through the tool-use gate), refuse it in the protocol's own form, or drop it
 * when the client gave up while a human was deciding. `upstreamUrl` is the URL the request
 * really goes to (the broker may have swapped a `?key=` placeholder).
 */
export function createGuardRequest(deps: GuardRequestDeps): GuardRequest {
  return async (req, upstreamUrl = req.url) => {
    const flow = deps.flows.open(req);
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
    const analysis = deps.analyzer.analyze(Object.assign(requestHead(req), { id: req.id, client: flow.client }), decoded, truncated || decoded === undefined);
    // Bodies are stored only when the user opted in, capped and redacted (audit/redact.ts).
    const stored = bodyForStorage(decoded, deps.settings.audit, String(req.headers['content-type'] ?? ''));
    flow.base =
      truncated || stored
        ? { ...analysis.base, data: { ...(analysis.base.data ?? {}), ...(truncated ? { bodyInspected: false } : {}), ...(stored ? { requestBody: stored } : {}) } }
        : analysis.base;
    flow.observer = analysis.observer;
    if (analysis.actions.length === 0) return;
    const verdicts: Verdict[] = [];
    // While the guard judges (a human may take a minute), the client may give up: its
    // approval is then withdrawn, and the request is neither forwarded nor answered.
    const judging = new LazyAbort();
    flow.judging = judging;
    try {
      // The switch itself is the options: the guard reads `signal` only to ask a human.
      for (const action of analysis.actions) verdicts.push(await deps.guard.decide(action, judging));
    } finally {
      flow.judging = undefined;
    }
    flow.verdict = worstVerdict(verdicts);
    if (judging.aborted) {
      deps.flows.finish(flow, true, 'the client closed the connection while Belay was holding the request');
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
      // The gate connects to the URL's host, not to where a tunnel pointed (flow.ts).
      flow.connectedTo = undefined;
      const { toolUseAction, ...gated } = analysis.gate;
      const gate = {
        ...gated,
        url: upstreamUrl,
        judge: (call: Parameters<typeof toolUseAction>[0], signal?: AbortSignal) => deps.guard.decide(toolUseAction(call), { signal }),
        noteError: (description: string) => {
          flow.error ??= description;
        },
      };
      return { gate, ...(redacted ? { body: redacted } : {}) };
    }
    return redacted ? { body: redacted } : undefined;
  };
}

const ORDER = ['allow', 'redact', 'ask', 'deny'] as const;

/** The verdict the flow's event reports: a deny beats a redaction beats an allow. */
function worstVerdict(verdicts: Verdict[]): Verdict {
  return verdicts.reduce((worst, v) => {
    const rank = (x: Verdict) => (x.outcome === 'deny' ? 10 : 0) + ORDER.indexOf(x.decision);
    return rank(v) > rank(worst) ? v : worst;
  });
}
