import type { Finding, GuardAction } from '../pipeline/action.js';
import { BoundedMap } from './bounded-map.js';
import type { Detector, DetectorContext } from './types.js';

export interface BudgetLimits {
  /** Tokens (input + output) per client per day. */
  dailyTokens?: number;
  /** Cost in USD per client per day. */
  dailyCostUsd?: number;
}

export interface BudgetOptions extends BudgetLimits {
  /** Limits for one client id, overriding the defaults above. */
  perClient?: Record<string, BudgetLimits>;
}

interface Day {
  day: string;
  tokens: number;
  costUsd: number;
}

/** The local calendar day, so a budget resets at the user's midnight. */
function dayOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/**
 * Daily token and cost use per client. Usage is only known once an answer is complete, so
 * the door (or the engine, from audit events) calls record(); the detector flags the next
 * request once a budget is spent.
 */
export class BudgetTracker {
  private readonly days = new BoundedMap<string, Day>(1000);

  record(client: string, usage: { tokens?: number; costUsd?: number }, now = Date.now()): void {
    const day = dayOf(now);
    const cur = this.days.get(client);
    const entry = cur && cur.day === day ? cur : { day, tokens: 0, costUsd: 0 };
    entry.tokens += Math.max(0, usage.tokens ?? 0);
    entry.costUsd += Math.max(0, usage.costUsd ?? 0);
    this.days.set(client, entry);
  }

  today(client: string, now = Date.now()): { tokens: number; costUsd: number } {
    const cur = this.days.get(client);
    return cur && cur.day === dayOf(now) ? { tokens: cur.tokens, costUsd: cur.costUsd } : { tokens: 0, costUsd: 0 };
  }
}

export function budgetDetector(opts: BudgetOptions = {}, tracker = new BudgetTracker()): Detector & { tracker: BudgetTracker } {
  return {
    name: 'budget',
    tracker,
    appliesTo: ['llm.request'],
    detect(action: GuardAction, ctx: DetectorContext): Finding[] {
      const limits = { dailyTokens: opts.dailyTokens, dailyCostUsd: opts.dailyCostUsd, ...opts.perClient?.[action.client] };
      if (limits.dailyTokens === undefined && limits.dailyCostUsd === undefined) return [];
      const used = tracker.today(action.client, ctx.now);
      const findings: Finding[] = [];
      if (limits.dailyTokens !== undefined && used.tokens >= limits.dailyTokens) {
        findings.push({ detector: 'budget', severity: 'high', ruleId: 'daily-tokens', message: `${action.client} used ${used.tokens} tokens today, over its daily budget of ${limits.dailyTokens}.` });
      }
      if (limits.dailyCostUsd !== undefined && used.costUsd >= limits.dailyCostUsd) {
        findings.push({ detector: 'budget', severity: 'high', ruleId: 'daily-cost', message: `${action.client} spent $${used.costUsd.toFixed(2)} today, over its daily budget of $${limits.dailyCostUsd.toFixed(2)}.` });
      }
      return findings;
    },
  };
}
