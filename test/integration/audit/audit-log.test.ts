import { fork } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../../../shared/events.js';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { verifyChain } from '../../../core/audit/verify.js';
import { belayPaths } from '../../../core/paths.js';
import { compileAuditForChild, sampleEvent } from '../../helpers/audit-fixtures.js';

let n = 0;
const open: AuditLog[] = [];
function freshDb(): string {
  return path.join(belayPaths().home, `audit-${process.pid}-${n++}.db`);
}
function openLog(file: string, opts = {}): AuditLog {
  const log = AuditLog.open(file, opts);
  open.push(log);
  return log;
}
afterEach(() => {
  for (const log of open.splice(0)) {
    try {
      log.close();
    } catch {
      // already closed by the test
    }
  }
});

describe('AuditLog batching and the chain', () => {
  it('append returns at once and commits nothing until the batch is written', () => {
    const file = freshDb();
    const log = openLog(file, { batchMs: 10_000 });
    const ids = Array.from({ length: 1200 }, (_, i) => log.append(sampleEvent(i)).id);
    // 1200 > batchSize 500 schedules a setImmediate, which has not run yet: nothing is committed.
    expect(log.stats().count).toBe(0);
    expect(log.stats().pending).toBe(1200);
    log.flush();
    const stats = log.stats();
    expect(stats.count).toBe(1200);
    expect(stats.pending).toBe(0);
    const rows = log.readSince(0, 5000);
    expect(rows.map((e) => e.id)).toEqual(ids);
    expect(rows.map((e) => e.seq)).toEqual(ids.map((_, i) => i + 1));
    expect(new Set(ids).size).toBe(1200);
    expect([...ids].sort()).toEqual(ids); // ULIDs sort in append order
    expect(verifyChain(log.db)).toEqual({ ok: true, count: 1200, head: stats.head });
  });

  it('the timer commits a batch on its own within batchMs', async () => {
    const log = openLog(freshDb(), { batchMs: 20 });
    const seen: AuditEvent[] = [];
    log.subscribe((e) => seen.push(e));
    const { id } = log.append(sampleEvent(1));
    expect(log.get(id)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 120));
    const stored = log.get(id);
    expect(stored?.seq).toBe(1);
    expect(seen.map((e) => e.id)).toEqual([id]);
    expect(seen[0].hash).toBe(stored?.hash);
  });

  it('stores the fields it was given and reads them back', () => {
    const log = openLog(freshDb());
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    const { id } = log.append(sampleEvent(0, { startedAt: t, links: ['A', 'B'], rule: 'r1', decision: 'deny', decidedBy: 'policy' }));
    log.flush();
    const e = log.get(id)!;
    expect(e).toMatchObject({
      id, seq: 1, time: '2026-01-02T03:04:05.006Z', type: 'llm.request', client: 'cursor', provider: 'openai', model: 'gpt-4o',
      status: 200, latencyMs: 120, links: ['A', 'B'], rule: 'r1', decision: 'deny', decidedBy: 'policy',
      data: { usage: { inputTokens: 100, outputTokens: 50 }, stream: true },
    });
    expect(e.prevHash).toBe('0'.repeat(64));
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(e.error).toBeUndefined();
  });

  it('two connections appending at the same time keep one linear chain', async () => {
    const file = freshDb();
    const a = openLog(file, { batchMs: 1, batchSize: 10 });
    const b = openLog(file, { batchMs: 1, batchSize: 10 });
    for (let i = 0; i < 300; i++) {
      a.append(sampleEvent(i, { client: 'a' }));
      b.append(sampleEvent(i, { client: 'b' }));
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    a.flush();
    b.flush();
    expect(a.stats().count).toBe(600);
    expect(verifyChain(a.db)).toMatchObject({ ok: true, count: 600 });
    // Both writers' batches really interleaved (otherwise this test proves nothing).
    const clients = a.readSince(0, 600).map((e) => e.client);
    const switches = clients.filter((c, i) => i > 0 && c !== clients[i - 1]).length;
    expect(switches).toBeGreaterThan(2);
  });

  it('a second process writing the same file keeps the chain linear', async () => {
    const dir = compileAuditForChild();
    const file = freshDb();
    const log = openLog(file, { batchMs: 2, batchSize: 25 });
    const child = fork(path.resolve(import.meta.dirname, '../../fixtures/audit/append-child.mjs'), [dir, file, '1000', 'child'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => child.once('message', resolve));
    child.send('go');
    for (let i = 0; i < 1000; i++) {
      log.append(sampleEvent(i, { client: 'parent' }));
      if (i % 25 === 24) await new Promise((r) => setTimeout(r, 2));
    }
    expect(await exited).toBe(0);
    log.flush();
    expect(log.query({ client: 'child', limit: 5000 })).toHaveLength(1000);
    expect(log.query({ client: 'parent', limit: 5000 })).toHaveLength(1000);
    const clients = log.readSince(0, 5000).map((e) => e.client);
    expect(clients.filter((c, i) => i > 0 && c !== clients[i - 1]).length).toBeGreaterThan(2);
    expect(verifyChain(log.db)).toMatchObject({ ok: true, count: 2000 });
  }, 60_000);
});

describe('AuditLog queries', () => {
  it('filters by client, type, decision, protocol, time and text, newest first, with paging', () => {
    const log = openLog(freshDb());
    const t0 = Date.UTC(2026, 5, 1);
    for (let i = 0; i < 30; i++) log.append(sampleEvent(i, { startedAt: t0 + i * 1000 }));
    log.flush();
    const cursor = log.query({ client: 'cursor', limit: 100 });
    expect(cursor).toHaveLength(10);
    expect(cursor[0].seq).toBeGreaterThan(cursor[1].seq);
    expect(log.query({ type: 'mcp.tool_call' }).every((e) => e.tool === 'read_file')).toBe(true);
    expect(log.query({ decision: 'ask' })).toHaveLength(10);
    expect(log.query({ protocol: 'http' })).toHaveLength(10);
    expect(log.query({ sinceTime: t0 + 10_000, untilTime: new Date(t0 + 19_000).toISOString() })).toHaveLength(10);
    expect(log.query({ text: 'f7.txt' }).map((e) => e.seq)).toEqual([8]);
    expect(log.query({ text: '100%_' })).toEqual([]);
    const page1 = log.query({ limit: 10 });
    const page2 = log.query({ limit: 10, beforeSeq: page1[9].seq });
    expect(page2[0].seq).toBe(page1[9].seq - 1);
    expect(log.readSince(25, 100).map((e) => e.seq)).toEqual([26, 27, 28, 29, 30]);
    const s = log.stats();
    expect(s).toMatchObject({ count: 30, firstTime: new Date(t0).toISOString(), lastTime: new Date(t0 + 29_000).toISOString() });
  });
});

describe('AuditLog files and failures', () => {
  it('creates the database file 0600 (and its WAL files)', () => {
    const file = freshDb();
    const log = openLog(file);
    log.append(sampleEvent(1));
    log.flush();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('keeps events queued while the database is locked, reports it, and writes them once the lock goes', async () => {
    const file = freshDb();
    const log = openLog(file, { batchMs: 5, busyTimeoutMs: 50 });
    const errors: string[] = [];
    log.onError((err) => errors.push(err.message));
    const blocker = new BetterSqlite3(file);
    blocker.exec('BEGIN IMMEDIATE');
    const ids = [log.append(sampleEvent(1)).id, log.append(sampleEvent(2)).id];
    expect(() => log.flush()).toThrow(/locked by another process/);
    await new Promise((r) => setTimeout(r, 300));
    expect(errors.length).toBeGreaterThan(0);
    expect(log.stats().pending).toBe(2);
    blocker.exec('COMMIT');
    blocker.close();
    // No flush() here: the writer's own retry timer (backoff up to 5 s) must get them in.
    await vi.waitFor(() => expect(log.stats().pending).toBe(0), { timeout: 8000, interval: 50 });
    expect(ids.map((id) => log.get(id)?.seq)).toEqual([1, 2]);
  }, 20_000);

  it('a full disk keeps events queued with a clear error, and they land once there is room', () => {
    const file = freshDb();
    const log = openLog(file, { batchMs: 10_000 });
    const errors: string[] = [];
    log.onError((err) => errors.push(err.message));
    log.append(sampleEvent(0));
    log.flush();
    // SQLite's own size cap gives the same SQLITE_FULL a full disk does.
    const pages = Number(log.db.pragma('page_count', { simple: true }));
    log.db.pragma(`max_page_count = ${pages}`);
    const big = 'x'.repeat(20_000);
    const ids = [log.append(sampleEvent(1, { data: { big } })).id, log.append(sampleEvent(2, { data: { big } })).id];
    expect(() => log.flush()).toThrow(/disk holding the audit database .* is full.*pending events are kept/);
    expect(errors).toHaveLength(1);
    expect(log.stats()).toMatchObject({ pending: 2, count: 1 });
    log.db.pragma('max_page_count = 1073741823');
    log.flush();
    expect(ids.map((id) => log.get(id)?.seq)).toEqual([2, 3]);
    expect(verifyChain(log.db)).toMatchObject({ ok: true, count: 3 });
  });

  it('past the bound, drops the oldest events and records how many', () => {
    const file = freshDb();
    const log = openLog(file, { batchMs: 10_000, busyTimeoutMs: 20, maxPending: 5 });
    log.onError(() => {});
    const blocker = new BetterSqlite3(file);
    blocker.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < 8; i++) log.append(sampleEvent(i, { path: `/n${i}` }));
    expect(() => log.flush()).toThrow(/locked/);
    expect(log.stats()).toMatchObject({ pending: 5, dropped: 3 });
    blocker.exec('COMMIT');
    blocker.close();
    log.flush();
    const events = log.readSince(0, 100);
    expect(events).toHaveLength(6);
    expect(events.slice(0, 5).map((e) => e.path)).toEqual(['/n3', '/n4', '/n5', '/n6', '/n7']);
    expect(events[5]).toMatchObject({ type: 'system', data: { event: 'audit.dropped', dropped: 3 } });
  });

  it('refuses a malformed event at append, with the field named, and the queue stays healthy', () => {
    const log = openLog(freshDb());
    expect(() => log.append({ ...sampleEvent(1), client: '' })).toThrow(/"client" must be a non-empty string/);
    expect(() => log.append({ ...sampleEvent(1), type: undefined } as never)).toThrow(/"type" must be a non-empty string/);
    expect(() => log.append({ ...sampleEvent(1), decision: 'maybe' } as never)).toThrow(/"decision" must be allow, ask, deny or redact/);
    expect(() => log.append({ ...sampleEvent(1), risk: 'extreme' } as never)).toThrow(/"risk" must be none, low/);
    const { id } = log.append(sampleEvent(2, { startedAt: 1e20, status: Number.POSITIVE_INFINITY }));
    log.flush();
    expect(log.stats()).toMatchObject({ count: 1, pending: 0 });
    expect(log.get(id)?.status).toBeUndefined();
    expect(log.get(id)?.time).toMatch(/^20\d\d-/); // an impossible startedAt becomes now
  });

  it('caps an oversized data object instead of storing megabytes per event', () => {
    const log = openLog(freshDb());
    const { id } = log.append(sampleEvent(1, { data: { arguments: { content: 'z'.repeat(2_000_000) }, small: 'kept' } }));
    log.flush();
    const e = log.get(id)!;
    expect(e.data).toEqual({ arguments: expect.stringMatching(/^\[omitted: \d+ characters\]$/), small: 'kept' });
    expect(verifyChain(log.db)).toMatchObject({ ok: true });
  });

  it('refuses appends after close and says so', () => {
    const log = openLog(freshDb());
    log.close();
    expect(() => log.append(sampleEvent(1))).toThrow(/closed/);
  });
});
