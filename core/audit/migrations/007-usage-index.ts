import type { Migration } from './index.js';

/**
 * The dashboard's usage view sums tokens and cost per day, client and model over
 * llm.request events. Without help SQLite parses every event's JSON for it (1.1 s at 1M
 * events); a partial index holding those values (only llm.request rows pay for it)
 * answers it several times faster. core/control/usage.ts names it with INDEXED BY, so the
 * expressions there must stay exactly these.
 */
export const usageIndexMigration: Migration = {
  version: 7,
  name: 'usage-index',
  up(db) {
    db.exec(`
      CREATE INDEX IF NOT EXISTS events_llm_usage ON events(
        time, client, model, provider,
        json_extract(data, '$.usage.inputTokens'),
        json_extract(data, '$.usage.outputTokens'),
        json_extract(data, '$.costUsd')
      ) WHERE type = 'llm.request'`);
  },
};
