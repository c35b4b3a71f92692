import os from 'node:os';
import type { DecidedBy } from '../../shared/events.js';
import type { Approvals } from '../approvals/types.js';
import type { RememberedStore } from '../approvals/remembered.js';
import type { DetectorRegistry } from '../detectors/registry.js';
import type { DetectorContext } from '../detectors/types.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import type { Policy } from '../policy/schema.js';
import { riskOf, type Finding, type GuardAction } from './action.js';
import { stoppedByPause } from './pause.js';
import type { DecideOptions, Guard, Verdict } from './verdict.js';

export interface GuardDeps {
  /** The live policy (a PolicyStore, or anything with current()). */
  policy: { current(): Policy };
  detectors: DetectorRegistry;
  /** Who to ask. Absent: nobody can be asked, so `ask` is refused (decidedBy 'unavailable'). */
  approvals?: Approvals;
  remembered?: Pick<RememberedStore, 'lookup'>;
  pause?: { isPaused(): boolean };
  /** Extra detector context (Belay's data folder for the sensitive-path check). */
  context?: Partial<Omit<DetectorContext, 'now'>>;
  /**
   * UNSAFE, off by default: when no human can be asked, let `ask` flows through instead
   * of refusing them. For headless setups that log and review afterwards.
   */
  allowAskWhenUnavailable?: boolean;
  now?: () => number;
  log?: (message: string) => void;
}

export interface EvaluateOnlyResult {
  decision: Verdict['decision'];
  rule: string;
  reason?: string;
  risk: Verdict['risk'];
  findings: Finding[];
}

/** Findings as they may be logged and shown: never the secret values themselves. */
function publicFindings(findings: Finding[]): Finding[] {
  return findings.map((f) => {
    if (!f.secretValues) return f;
    const copy = { ...f };
    delete copy.secretValues;
    return copy;
  });
}

function redactionsOf(findings: Finding[]): string[] {
  const out = new Set<string>();
  for (const f of findings) if (f.detector === 'secrets') for (const v of f.secretValues ?? []) out.add(v);
  // Longest first so a value that contains another is replaced whole.
  return [...out].sort((a, b) => b.length - a.length);
}

/** Kinds whose body the doors can rewrite before forwarding. */
const REDACTABLE = new Set(['llm.request']);

/**
 * The guard: detectors → policy → remembered answers → a human. Fails closed: if any
 * step throws, the flow is refused (decidedBy 'error'), never let through by accident.
 */
export function createGuard(deps: GuardDeps): Guard & { evaluateOnly(action: GuardAction, policy?: Policy, findings?: Finding[]): EvaluateOnlyResult } {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((m: string) => process.stderr.write(`belay: ${m}\n`));
  const ctx = (): DetectorContext => ({ homeDir: os.homedir(), ...deps.context, now: now() });

  function evaluateOnly(action: GuardAction, policy = deps.policy.current(), given?: Finding[]): EvaluateOnlyResult {
    const findings = given ?? deps.detectors.run(action, ctx());
    const d = evaluatePolicy(policy, action, findings);
    return { decision: d.decision, rule: d.rule, reason: d.reason, risk: riskOf(findings), findings: publicFindings(findings) };
  }

  async function decide(action: GuardAction, opts: DecideOptions = {}): Promise<Verdict> {
    const started = now();
    try {
      if (deps.pause?.isPaused() && stoppedByPause(action.kind)) {
        return { outcome: 'deny', decision: 'deny', decidedBy: 'paused', rule: 'paused', reason: 'Belay is paused: all LLM and MCP traffic is refused until `belay resume`.', risk: 'none', findings: [] };
      }
      const findings = deps.detectors.run(action, ctx());
      const risk = riskOf(findings);
      const shown = publicFindings(findings);
      const d = evaluatePolicy(deps.policy.current(), action, findings);
      const byPolicy: DecidedBy = d.rule === 'default' ? 'default' : 'policy';
      const base = { decision: d.decision, rule: d.rule, reason: d.reason, risk, findings: shown };

      switch (d.decision) {
        case 'allow':
          return { ...base, outcome: 'allow', decidedBy: byPolicy };
        case 'deny':
          return { ...base, outcome: 'deny', decidedBy: byPolicy };
        case 'redact': {
          if (!REDACTABLE.has(action.kind)) {
            return { ...base, outcome: 'deny', decidedBy: byPolicy, reason: `${d.reason ?? 'Secrets found'} (a ${action.kind} cannot be redacted, so it was refused).` };
          }
          return { ...base, outcome: 'allow', decidedBy: byPolicy, redactions: redactionsOf(findings) };
        }
        case 'ask':
          return await ask(action, base, findings, started, opts.signal);
      }
    } catch (err) {
      log(`the guard failed on a ${action.kind} from ${action.client} and refused it: ${err instanceof Error ? err.message : String(err)}`);
      return { outcome: 'deny', decision: 'deny', decidedBy: 'error', rule: 'error', reason: 'Belay could not check this request, so it was refused.', risk: 'none', findings: [], heldMs: now() - started };
    }
  }

  async function ask(action: GuardAction, base: Omit<Verdict, 'outcome' | 'decidedBy'>, findings: Finding[], started: number, signal?: AbortSignal): Promise<Verdict> {
    // A changed tool must be looked at again, whatever was remembered for it.
    const changed = findings.some((f) => f.detector === 'tool-changed');
    const remembered = changed ? undefined : deps.remembered?.lookup(action);
    if (remembered) {
      return { ...base, outcome: remembered.decision, decidedBy: 'remembered', reason: `${base.reason ?? ''}${base.reason ? ' ' : ''}(remembered: ${remembered.label})` };
    }
    if (!deps.approvals) return unavailable(base, started);
    let outcome;
    try {
      outcome = await deps.approvals.ask({ action, findings: base.findings, rule: base.rule, reason: base.reason, risk: base.risk }, signal);
    } catch (err) {
      log(`could not ask for approval (${err instanceof Error ? err.message : String(err)}); treating it as no human reachable.`);
      return unavailable(base, started);
    }
    return { ...base, outcome: outcome.allowed ? 'allow' : 'deny', decidedBy: outcome.decidedBy, approvalId: outcome.approvalId, heldMs: outcome.heldMs };
  }

  function unavailable(base: Omit<Verdict, 'outcome' | 'decidedBy'>, started: number): Verdict {
    const allow = deps.allowAskWhenUnavailable === true;
    return {
      ...base,
      outcome: allow ? 'allow' : 'deny',
      decidedBy: 'unavailable',
      reason: allow ? `${base.reason ?? 'Needs approval'} (no one could be asked; let through by the unsafe setting).` : `${base.reason ?? 'Needs approval'} (no one could be asked, so it was refused).`,
      heldMs: now() - started,
    };
  }

  return { decide, evaluateOnly };
}
