import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { usageFromDatabase } from '../../../core/control/usage.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { pruneEvents } from '../../../core/siem/retention.js';

const DAY = 86_400_000;

/** A database of the test's own. */
function openLog(): AuditLog {
  return AuditLog.open(path.join(mkdtempSync(path.join(os.tmpdir(), 'belay-usage-')), 'belay.db'));
}

function llmAt(log: AuditLog, client: string, at: number, input = 10): void {
  log.append({ type: 'llm.request', protocol: 'llm', transport: 'proxy', client, provider: 'openai', model: 'gpt-4.1', startedAt: at, data: { usage: { inputTokens: input, outputTokens: 1 }, costUsd: 0.1 } });
}

describe('usage from the audit log', () => {
  it('sums tokens and cost per day, client and model, and counts unpriced requests', () => {
    const paths = belayPaths();
    ensureDataDir(paths);
    const log = AuditLog.open(paths.database);
    const day = Date.UTC(2026, 10, 20, 12);
    const llm = (client: string, model: string, input: number, output: number, cost: number | undefined, at: number) =>
      log.append({ type: 'llm.request', protocol: 'llm', transport: 'proxy', client, provider: 'openai', model, startedAt: at, data: { usage: { inputTokens: input, outputTokens: output }, ...(cost === undefined ? {} : { costUsd: cost }) } });
    llm('cursor', 'gpt-4.1', 100, 10, 0.5, day);
    llm('cursor', 'gpt-4.1', 200, 20, 0.25, day + 1000);
    llm('cursor', 'mystery-model', 50, 5, undefined, day);
    llm('claude-code', 'gpt-4.1', 1, 1, 0.01, day + 86_400_000);
    llm('cursor', 'gpt-4.1', 999, 999, 9, day - 40 * 86_400_000); // outside 30 days
    log.append({ type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: 'cursor', startedAt: day });
    log.flush();
    const u = usageFromDatabase(log.db, () => day + 86_400_000).usage(30);
    log.close();
    expect(u.rows).toEqual([
      { day: '2026-11-20', client: 'cursor', model: 'gpt-4.1', provider: 'openai', requests: 2, inputTokens: 300, outputTokens: 30, costUsd: 0.75, unpriced: 0 },
      { day: '2026-11-20', client: 'cursor', model: 'mystery-model', provider: 'openai', requests: 1, inputTokens: 50, outputTokens: 5, costUsd: 0, unpriced: 1 },
      { day: '2026-11-21', client: 'claude-code', model: 'gpt-4.1', provider: 'openai', requests: 1, inputTokens: 1, outputTokens: 1, costUsd: 0.01, unpriced: 0 },
    ]);
  });

  it('sums a day that is over once and keeps it: later views read its totals, not its events', () => {
    const log = openLog();
    const now = Date.UTC(2026, 10, 30, 9);
    const tenDaysAgo = now - 10 * DAY;
    llmAt(log, 'cursor', tenDaysAgo, 100);
    llmAt(log, 'cursor', now - 1000, 7);
    log.flush();
    const usage = usageFromDatabase(log.db, () => now);
    const first = usage.usage(30);
    expect(first.rows.map((r) => [r.day, r.inputTokens])).toEqual([
      ['2026-11-20', 100],
      ['2026-11-30', 7],
    ]);
    // Every day that ended over 24 h ago is kept (2026-11-01 to 2026-11-28), empty ones too.
    expect(log.db.prepare('SELECT count(*) FROM usage_days').pluck().get()).toBe(28);
    // The kept day is answered from its totals: with its events gone behind Belay's back, it still reads the same.
    log.db.prepare("DELETE FROM events WHERE time LIKE '2026-11-20%'").run();
    // Recent days are read from the events on every view: a new call shows at once.
    llmAt(log, 'cursor', now - 500, 5);
    log.flush();
    expect(usage.usage(30).rows.map((r) => [r.day, r.inputTokens])).toEqual([
      ['2026-11-20', 100],
      ['2026-11-30', 12],
    ]);
    log.close();
  });

  it('yesterday is kept only once it ended a day ago: a late event of yesterday still counts', () => {
    const log = openLog();
    const now = Date.UTC(2026, 10, 30, 9);
    llmAt(log, 'cursor', now - DAY, 3);
    log.flush();
    const usage = usageFromDatabase(log.db, () => now);
    expect(usage.usage(30).rows.map((r) => [r.day, r.inputTokens])).toEqual([['2026-11-29', 3]]);
    // A stream that started yesterday and ended now is written now, with yesterday's time.
    llmAt(log, 'claude-code', now - DAY + 1000, 4);
    log.flush();
    expect(usage.usage(30).rows.map((r) => [r.day, r.client, r.inputTokens])).toEqual([
      ['2026-11-29', 'claude-code', 4],
      ['2026-11-29', 'cursor', 3],
    ]);
    log.close();
  });

  it('retention forgets the kept days, so the view sums what remains', () => {
    const log = openLog();
    const now = Date.now();
    llmAt(log, 'cursor', now - 20 * DAY, 100);
    llmAt(log, 'cursor', now - 5 * DAY, 50);
    log.flush();
    const usage = usageFromDatabase(log.db, () => now);
    expect(usage.usage(30).rows.map((r) => r.inputTokens)).toEqual([100, 50]);
    const result = pruneEvents(log, { maxDays: 10, now });
    expect(result.pruned).toBe(1);
    expect(usage.usage(30).rows.map((r) => r.inputTokens)).toEqual([50]);
    log.close();
  });
});
