import type { AuditEvent } from '../../shared/events.js';

/**
 * An event's decision in words. An asked flow says what became of it ("ask → allowed",
 * "ask → refused"): the core keeps decision 'ask' and records the answer as data.outcome.
 */
export function decisionText(e: Pick<AuditEvent, 'decision' | 'data'>): string {
  const outcome = e.data?.outcome;
  if (e.decision === 'ask' && (outcome === 'allow' || outcome === 'deny')) return `ask → ${outcome === 'allow' ? 'allowed' : 'refused'}`;
  return e.decision ?? '';
}

/** Who decided, for people: "you" for a human answer. */
export function decidedByText(by: string | undefined): string | undefined {
  return by === 'human' ? 'you' : by;
}
