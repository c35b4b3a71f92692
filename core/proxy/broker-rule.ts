import type * as mockttp from 'mockttp';
import { completionCheckers } from './mockttp-lean.js';
import { BROKER_KEYS_FIELD, type CredentialBroker } from '../broker/broker.js';
import type { Analyzer } from './analyzer.js';
import type { FlowTracker } from './flow-tracker.js';
import type { GuardRequest } from './guard-request.js';
import { GuardedPassThroughStep } from './guarded-step.js';
import { HeadMatcher } from './head-matcher.js';
import { requestHead } from './request-head.js';
import type { ToolUseGate } from './tool-use-gate.js';

export interface BrokerRuleDeps {
  broker: Pick<CredentialBroker, 'carriesPlaceholder' | 'resolve'>;
  analyzer: Pick<Analyzer, 'needsBody'>;
  flows: FlowTracker;
  guardRequest: GuardRequest;
  gate: Pick<ToolUseGate, 'relay'>;
  passthroughOptions: mockttp.requestSteps.PassThroughStepOptions;
  maxInspectBytes: number;
}

/**
 * The credential broker's proxy rule (issue 9), added before every other rule: requests
 * carrying a `belay-key:NAME` placeholder get the real key on its allowed route (after the
 * guard, for JSON protocol requests) or are refused. The match reads the head only; the
 * body is read as on the guarded route.
 */
export async function addBrokerRule(server: mockttp.Mockttp, deps: BrokerRuleDeps): Promise<void> {
  const { broker, flows } = deps;
  await server.addRequestRule({
    matchers: [new HeadMatcher((req) => broker.carriesPlaceholder(req.url, req.headers), 'request carrying a Belay key placeholder')],
    // Never "complete": mockttp otherwise lets a later matching rule win after the first use.
    completionChecker: new completionCheckers.Always(),
    steps: [
      new GuardedPassThroughStep(
        async (req) => {
          const flow = flows.open(req);
          const refuse = (status: number, reason: string, response?: { status: number; headers: Record<string, string>; body: string }) => {
            flow.verdict = { outcome: 'deny', decision: 'deny', decidedBy: 'policy', rule: 'belay-key', reason, risk: 'high', findings: [] };
            flow.base = { ...flow.base, data: { ...(flow.base.data ?? {}), brokerRefused: reason } };
            const r = response ?? { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${reason}\n` };
            return { response: { statusCode: r.status, headers: r.headers, body: r.body } };
          };
          const decision = await broker.resolve({ ...requestHead(req), client: flow.client });
          if (!decision.ok) return refuse(decision.response.status, decision.reason, decision.response);
          const declared = Number(req.headers['content-length']);
          if (Number.isFinite(declared) && declared > req.body.buffer.length) {
            return refuse(413, `Belay cannot swap a key into a request body larger than proxy.maxInspectBytes (${deps.maxInspectBytes} bytes).`);
          }
          const guarded = deps.analyzer.needsBody(requestHead(req)) ? await deps.guardRequest(req, decision.url ?? req.url) : undefined;
          flow.base = { ...flow.base, data: { ...(flow.base.data ?? {}), [BROKER_KEYS_FIELD]: decision.keys } };
          if (guarded?.response) return guarded;
          return { ...guarded, headers: decision.headers, url: decision.url };
        },
        deps.gate,
        deps.passthroughOptions,
      ).asStep(),
    ],
  });
}
