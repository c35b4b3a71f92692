import { rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { openDatabase } from '../../../core/audit/database.js';
import { formatEventLine, renderLines, tail } from '../../../core/audit/tail.js';
import { belayPaths } from '../../../core/paths.js';
import { runBelay } from '../../helpers/audit-cli.js';
import { sampleEvent } from '../../helpers/audit-fixtures.js';

const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);

describe('belay log tail', () => {
  it('with no database yet says so and exits 0', async () => {
    for (const s of ['', '-wal', '-shm']) rmSync(belayPaths().database + s, { force: true });
    const r = await runBelay('log', 'tail');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/No audit log yet/);
  });

  describe('with events', () => {
    beforeAll(() => {
      const log = AuditLog.open(belayPaths().database);
      for (let i = 0; i < 30; i++) log.append(sampleEvent(i, { startedAt: T0 + i * 1000 }));
      log.close();
    });

    it('--plain prints the last N events oldest first, one readable line each', async () => {
      const r = await runBelay('log', 'tail', '--plain', '-n', '3');
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^2026-03-03 10:00:27\.000Z\s+cursor\s+llm\.request\s+openai gpt-4o\s+200\s+allow\s+147ms$/);
      expect(lines[1]).toMatch(/claude-desktop\s+mcp\.tool_call\s+filesystem read_file\s+-\s+ASK\(human\)\s+3ms/);
      expect(lines[2]).toMatch(/curl\s+http\s+example\.com \/page\/29\s+404\s+allow\s+-\s+error: upstream said 404/);
    });

    it('by default tells linked events as one story (the timeline renderer)', async () => {
      const log = AuditLog.open(belayPaths().database);
      const { id } = log.append(sampleEvent(0, { startedAt: T0 + 40_000, data: { toolCalls: [{ name: 'read_file' }] } }));
      log.append(sampleEvent(1, { startedAt: T0 + 41_000, links: [id] }));
      log.close();
      const r = await runBelay('log', 'tail', '-n', '2');
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^10:00:40\s+cursor\s+LLM openai gpt-4o asked for read_file/);
      expect(lines[1]).toMatch(/^\s+└─ 10:00:41\s+MCP filesystem read_file/);
    });

    it('--json, --client and --type filter and print whole events', async () => {
      const r = await runBelay('log', 'tail', '--json', '-n', '100', '--client', 'claude-desktop', '--type', 'mcp.tool_call');
      const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(events).toHaveLength(11);
      expect(events.every((e) => e.client === 'claude-desktop' && e.hash.length === 64)).toBe(true);
      expect(events[0].seq).toBeLessThan(events[10].seq);
    });

    it('rejects a bad -n with exit code 2', async () => {
      expect((await runBelay('log', 'tail', '-n', 'many')).code).toBe(2);
    });

    it('--follow shows events other connections commit, and only those matching the filter', async () => {
      const reader = openDatabase(belayPaths().database, { readonly: true });
      const writer = AuditLog.open(belayPaths().database, { batchMs: 5 });
      const seen: string[] = [];
      const stop = new AbortController();
      const following = tail(reader, { lines: 0, follow: true, filter: { client: 'cursor' }, render: renderLines, write: (l) => seen.push(l), pollMs: 20, signal: stop.signal });
      await new Promise((r) => setTimeout(r, 50));
      writer.append(sampleEvent(0, { path: '/after-1' }));
      writer.append(sampleEvent(2, { path: '/not-cursor' }));
      writer.append(sampleEvent(3, { model: 'gpt-follow' }));
      writer.flush();
      await expect.poll(() => seen.length, { timeout: 3000 }).toBe(2);
      stop.abort();
      await following;
      writer.close();
      reader.close();
      expect(seen[0]).toContain('gpt-4o');
      expect(seen[1]).toContain('gpt-follow');
    });
  });

  it('control characters in stored text cannot drive the terminal', () => {
    const line = formatEventLine({ ...sampleEventStored(), error: 'bad\u001b[2Jthing\r\nnext' });
    expect(line).not.toMatch(/[\u0000-\u001f]/);
    // The whole escape sequence goes (not only its ESC byte); line breaks become a space.
    expect(line).toContain('error: badthing next');
  });
});

function sampleEventStored() {
  return { id: 'X', seq: 1, time: '2026-03-03T10:00:00.000Z', type: 'http', protocol: 'http', transport: 'proxy', client: 'curl', decision: 'allow', data: {}, prevHash: '', hash: '' } as const;
}
