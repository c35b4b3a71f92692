import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { reviewFromDatabase } from '../../../core/review/load-review.js';
import { reviewHtml, reviewMarkdown } from '../../../core/review/render-review.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import type { NewAuditEvent } from '../../../shared/events.js';
import { runBelay } from '../../helpers/audit-cli.js';

const FIXTURE = path.join(__dirname, '../../fixtures/review/week.jsonl');
const SINCE = Date.parse('2025-11-12T00:00:00Z');
const UNTIL = Date.parse('2025-11-19T00:00:00Z');

/** The fixture log in the real audit database of this test's data folder, plus the approvals it refers to. */
beforeAll(() => {
  const paths = belayPaths();
  ensureDataDir(paths);
  const audit = AuditLog.open(paths.database);
  for (const line of readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean)) audit.append(JSON.parse(line) as NewAuditEvent);
  const ins = audit.db.prepare(
    "INSERT INTO approvals (id, created_at, expires_at, status, kind, client, server, tool, risk, summary, owner_pid) VALUES (?, ?, ?, ?, 'mcp.tool_call', 'cursor', 'fs', ?, 'medium', '{}', 1)",
  );
  ins.run('ap-allowed', 1763110860000, 1763110920000, 'allowed', 'write_file');
  ins.run('ap-denied', 1763110920000, 1763110980000, 'denied', 'delete_file');
  ins.run('ap-expired', 1763110980000, 1763111040000, 'expired', 'exec');
  audit.close();
});

function load() {
  const audit = AuditLog.open(belayPaths().database);
  try {
    return { report: reviewFromDatabase(audit.db, { since: SINCE, until: UNTIL }), ids: audit.query({ order: 'oldest', limit: 100 } as never) };
  } finally {
    audit.close();
  }
}

describe('weekly review over a fixture log', () => {
  it('gives the expected totals', () => {
    const { report } = load();
    expect(report.totals).toEqual({ calls: 12, costUsd: 0.033, asked: 5, allowed: 9, denied: 2, timedOut: 1, alerts: 1, toolsChanged: 1 });
    expect(report.clients.map((c) => c.client)).toEqual(['cursor', 'claude-code']);
  });

  it('gives per-client lists: calls, cost, decisions, hosts, tools, remembered answers', () => {
    const { report } = load();
    const [cursor, claude] = report.clients;
    expect(cursor).toMatchObject({
      calls: 9,
      byType: { 'llm.request': 3, 'mcp.tool_call': 6 },
      inputTokens: 3010,
      outputTokens: 1505,
      costUsd: 0.0225,
      unpriced: 1,
      asked: 5,
      allowed: 7,
      denied: 1,
      timedOut: 1,
      errors: 0,
      hosts: [{ host: 'api.openai.com', calls: 3 }],
      tools: [
        { server: 'fs', tool: 'write_file', calls: 3 },
        { server: 'fs', tool: 'delete_file', calls: 1 },
        { server: 'shell', tool: 'exec', calls: 1 },
        { server: 'fs', tool: 'read_file', calls: 1 },
      ],
      remembered: [{ rule: 'ask-writes: write_file', uses: 2, lastEventId: expect.any(String) }],
    });
    expect(cursor.models.map((m) => [m.model, m.requests])).toEqual([['gpt-4o', 2], ['mystery-model', 1]]);
    expect(claude).toMatchObject({ calls: 3, denied: 1, allowed: 2, errors: 2, costUsd: 0.0105, hosts: [{ host: 'api.anthropic.com', calls: 2 }, { host: 'pastebin.example', calls: 1 }] });
    expect(claude.alerts.map((a) => a.summary)).toEqual(['claude-code contacted pastebin.example for the first time.']);
  });

  it('puts key actions first, each pointing at its event', () => {
    const { report, ids } = load();
    const cursor = report.clients[0];
    expect(cursor.keyActions.map((a) => a.kind)).toEqual(['denied', 'timed-out', 'asked', 'tool-changed', 'remembered']);
    const byId = new Map(ids.map((e) => [e.id, e]));
    expect(byId.get(cursor.keyActions[0].eventId)?.tool).toBe('delete_file');
    expect(byId.get(cursor.keyActions[1].eventId)?.tool).toBe('exec');
    expect(byId.get(cursor.keyActions[2].eventId)?.tool).toBe('write_file');
    expect(report.clients[1].keyActions.map((a) => a.kind)).toEqual(['alert', 'denied']);
  });

  it('renders markdown and html with links, escaping untrusted names', () => {
    const { report } = load();
    const link = (id: string) => `http://127.0.0.1:1234/#tab=review&event=${id}`;
    const md = reviewMarkdown(report, link);
    expect(md).toContain('# Belay review 2025-11-12 – 2025-11-19');
    expect(md).toContain('12 calls, $0.03 · asked 5, allowed 9, denied 2, timed out 1 · 1 alerts · 1 tools changed');
    expect(md).toMatch(/\*\*denied\*\* .*delete\\_file.*\[[0-9A-Z]{26}\]\(http:\/\/127\.0\.0\.1:1234\/#tab=review&event=/);
    const evil = { ...report, clients: [{ ...report.clients[0], client: '<script>alert(1)</script>' }] };
    expect(reviewHtml(evil)).not.toContain('<script>alert');
    expect(reviewHtml(evil)).toContain('&lt;script&gt;');
  });

  it('`belay review` prints the same report (json) and refuses an empty period', async () => {
    const r = await runBelay('review', '--since', '2025-11-12T00:00:00Z', '--until', '2025-11-19T00:00:00Z', '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).totals).toEqual(load().report.totals);
    const md = await runBelay('review', '--since', '2025-11-12T00:00:00Z', '--until', '2025-11-19T00:00:00Z');
    expect(md.stdout).toContain('## cursor');
    const bad = await runBelay('review', '--since', '2025-11-19T00:00:00Z', '--until', '2025-11-12T00:00:00Z');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/period is empty/);
    const usage = await runBelay('review', '--format', 'pdf');
    expect(usage.code).toBe(2);
  });
});
