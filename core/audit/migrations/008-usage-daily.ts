import type { Migration } from './index.js';

/**
 * Daily usage totals the dashboard's usage view has already summed (core/audit/usage-days.ts):
 * a past day's llm.request events no longer change, so each day is summed once instead of on
 * every view (about a second at 1M events). Derived data, outside the hash chain: retention
 * clears it, and it is summed again from the events that remain.
 */
export const usageDailyMigration: Migration = {
  version: 8,
  name: 'usage-daily',
  up(db) {
    db.exec(`
      CREATE TABLE usage_days (day TEXT PRIMARY KEY) WITHOUT ROWID;
      CREATE TABLE usage_daily (
        day           TEXT NOT NULL,
        client        TEXT NOT NULL,
        model         TEXT NOT NULL,
        provider      TEXT,
        requests      INTEGER NOT NULL,
        input_tokens  INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd      REAL NOT NULL,
        unpriced      INTEGER NOT NULL
      );
      CREATE INDEX usage_daily_day ON usage_daily(day, client, model);`);
  },
};
