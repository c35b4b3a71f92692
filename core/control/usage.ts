import type { Database } from 'better-sqlite3';
import type { UsageResponse } from '../../shared/api.js';
import { UsageDays, utcMidnight } from '../audit/usage-days.js';
import type { UsageService } from './services.js';

/**
 * Usage per day, client and model from the audit log's llm.request events (summed in
 * core/audit/usage-days.ts, past days once). Fields as the LLM exchange writes them:
 * data.usage.inputTokens / outputTokens and data.costUsd (absent when the model is not in
 * the price table).
 */
export function usageFromDatabase(db: Pick<Database, 'prepare' | 'transaction'>, now: () => number = Date.now): UsageService {
  const days = new UsageDays(db);
  return {
    usage(count: number): UsageResponse {
      const at = now();
      const rows = days.rows(utcMidnight(at) - (count - 1) * 86_400_000, at).map((r) => ({ ...r, provider: r.provider ?? undefined }));
      return { days: count, rows };
    },
  };
}
