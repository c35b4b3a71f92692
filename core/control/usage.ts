import type { Database } from 'better-sqlite3';
import type { UsageResponse, UsageRow } from '../../shared/api.js';
import type { UsageService } from './services.js';

/**
 * Usage per day, client and model from the audit log's llm.request events, in SQL over
 * the partial index of migration 007 (its expressions must match the ones below). Fields as the LLM exchange writes them: data.usage.inputTokens /
 * outputTokens and data.costUsd (absent when the model is not in the price table).
 */
export function usageFromDatabase(db: Pick<Database, 'prepare'>, now: () => number = Date.now): UsageService {
  const stmt = db.prepare(`
    SELECT substr(time, 1, 10) AS day, client, coalesce(model, '(unknown)') AS model, provider,
           count(*) AS requests,
           coalesce(sum(json_extract(data, '$.usage.inputTokens')), 0) AS inputTokens,
           coalesce(sum(json_extract(data, '$.usage.outputTokens')), 0) AS outputTokens,
           coalesce(sum(json_extract(data, '$.costUsd')), 0) AS costUsd,
           sum(CASE WHEN json_extract(data, '$.costUsd') IS NULL THEN 1 ELSE 0 END) AS unpriced
    FROM events INDEXED BY events_llm_usage
    WHERE type = 'llm.request' AND time >= ?
    GROUP BY day, client, model, provider
    ORDER BY day, client, model`);
  return {
    usage(days: number): UsageResponse {
      const d = new Date(now());
      const since = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - (days - 1) * 86_400_000).toISOString();
      const rows = (stmt.all(since) as (UsageRow & { provider: string | null })[]).map((r) => ({ ...r, provider: r.provider ?? undefined }));
      return { days, rows };
    },
  };
}
