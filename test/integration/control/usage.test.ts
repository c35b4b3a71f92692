import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { usageFromDatabase } from '../../../core/control/usage.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';

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
});
