import type { Database } from 'better-sqlite3';
import type { UsageRow } from '../../shared/api.js';

/**
 * Usage per day, client and model, summed from the llm.request events over the partial
 * index of migration 007 (the expressions below must stay exactly its own), with the
 * totals of days that are over kept in the tables of migration 008.
 *
 * An event's `time` is when its request started, and it is written when the flow ends, so
 * a day's events can still arrive after midnight (a long stream, a call held for approval).
 * A day is kept only once it ended more than SETTLED_MS ago; later days are summed from the
 * events on every view, which at most two days of events keeps quick.
 */
export const SETTLED_MS = 24 * 3_600_000;
const DAY_MS = 86_400_000;

type Row = UsageRow & { provider: string | null };

export class UsageDays {
  private readonly sumRange;
  private readonly keptDays;
  private readonly keptRows;
  private readonly keepDay;
  private readonly keepRow;

  constructor(private readonly db: Pick<Database, 'prepare' | 'transaction'>) {
    this.sumRange = db.prepare(`
      SELECT substr(time, 1, 10) AS day, client, coalesce(model, '(unknown)') AS model, provider,
             count(*) AS requests,
             coalesce(sum(json_extract(data, '$.usage.inputTokens')), 0) AS inputTokens,
             coalesce(sum(json_extract(data, '$.usage.outputTokens')), 0) AS outputTokens,
             coalesce(sum(json_extract(data, '$.costUsd')), 0) AS costUsd,
             sum(CASE WHEN json_extract(data, '$.costUsd') IS NULL THEN 1 ELSE 0 END) AS unpriced
      FROM events INDEXED BY events_llm_usage
      WHERE type = 'llm.request' AND time >= ? AND time < ?
      GROUP BY day, client, model, provider
      ORDER BY day, client, model`);
    this.keptDays = db.prepare('SELECT day FROM usage_days WHERE day >= ? AND day < ?').pluck();
    this.keptRows = db.prepare(`
      SELECT day, client, model, provider, requests, input_tokens AS inputTokens, output_tokens AS outputTokens, cost_usd AS costUsd, unpriced
      FROM usage_daily WHERE day >= ? AND day < ? ORDER BY day, client, model`);
    this.keepDay = db.prepare('INSERT OR IGNORE INTO usage_days (day) VALUES (?)');
    this.keepRow = db.prepare('INSERT INTO usage_daily (day, client, model, provider, requests, input_tokens, output_tokens, cost_usd, unpriced) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  }

  /** Rows for the UTC days from `firstDay` (midnight, ms) to now, oldest first. */
  rows(firstDay: number, now: number): Row[] {
    // Days before this midnight are over and settled: kept, or summed once and kept.
    const settled = Math.max(firstDay, utcMidnight(now - SETTLED_MS));
    const kept = new Set(this.keptDays.all(isoDay(firstDay), isoDay(settled)) as string[]);
    // Days summed now but not kept (another writer held the lock): answered all the same.
    const unkept: Row[] = [];
    for (let day = firstDay; day < settled; day += DAY_MS) {
      if (kept.has(isoDay(day))) continue;
      const rows = this.sumRange.all(new Date(day).toISOString(), new Date(day + DAY_MS).toISOString()) as Row[];
      if (!this.keep(day, rows)) unkept.push(...rows);
    }
    const past = this.keptRows.all(isoDay(firstDay), isoDay(settled)) as Row[];
    if (unkept.length) {
      past.push(...unkept);
      past.sort(byDayClientModel);
    }
    const recent = this.sumRange.all(new Date(settled).toISOString(), '9999') as Row[];
    return [...past, ...recent];
  }

  /** Keeps a day's totals (an empty day too); false when another writer held the lock. */
  private keep(day: number, rows: Row[]): boolean {
    try {
      this.db.transaction(() => {
        for (const r of rows) this.keepRow.run(r.day, r.client, r.model, r.provider, r.requests, r.inputTokens, r.outputTokens, r.costUsd, r.unpriced);
        this.keepDay.run(isoDay(day));
      }).immediate();
      return true;
    } catch {
      return false; // summed again on the next view; nothing is lost
    }
  }
}

/** Forgets every kept day (retention removed events: they are summed again from what remains). */
export function clearUsageDays(db: Pick<Database, 'exec'>): void {
  db.exec('DELETE FROM usage_daily; DELETE FROM usage_days;');
}

/** SQLite's order for these ASCII keys (BINARY collation). */
function byDayClientModel(a: Row, b: Row): number {
  for (const k of ['day', 'client', 'model'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  return 0;
}

export function utcMidnight(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
