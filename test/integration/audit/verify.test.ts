import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { chainHash } from '../../../core/audit/canonical.js';
import { rowToEvent, type EventRow } from '../../../core/audit/rows.js';
import { openDatabase } from '../../../core/audit/database.js';
import { verifyChain } from '../../../core/audit/verify.js';
import { belayPaths } from '../../../core/paths.js';
import { runBelay } from '../../helpers/audit-cli.js';
import { sampleEvent } from '../../helpers/audit-fixtures.js';

// Tampering is done the way an intruder would: with the sqlite3 shell (Debian package
// sqlite3) on the closed database file, not through Belay's code.
const db = () => belayPaths().database;
const ids: string[] = [];

function sqlite(sql: string): void {
  execFileSync('sqlite3', [db(), sql], { stdio: 'pipe' });
}

function verify() {
  const conn = openDatabase(db(), { readonly: true });
  try {
    return verifyChain(conn);
  } finally {
    conn.close();
  }
}

beforeEach(() => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(db() + suffix, { force: true });
  const log = AuditLog.open(db());
  ids.length = 0;
  for (let i = 0; i < 20; i++) ids.push(log.append(sampleEvent(i)).id);
  log.close();
});

describe('verifyChain and belay log verify', () => {
  it('an untouched log verifies, and the CLI says so with exit code 0', async () => {
    expect(verify()).toMatchObject({ ok: true, count: 20, head: { seq: 20 } });
    const r = await runBelay('log', 'verify');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/intact: 20 event\(s\), chain head seq 20/);
  });

  it('catches an edited row (a column changed)', async () => {
    sqlite("UPDATE events SET tool = 'delete_everything' WHERE seq = 5");
    expect(verify()).toMatchObject({ ok: false, reason: 'edited', brokenAt: { seq: 5, id: ids[4] }, count: 4 });
    const r = await runBelay('log', 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`BROKEN (edited) at event seq 5 id ${ids[4]}`);
  });

  it('catches an edit inside the JSON data', () => {
    sqlite("UPDATE events SET data = json_set(data, '$.arguments.path', '/etc/shadow') WHERE seq = 2");
    expect(verify()).toMatchObject({ ok: false, reason: 'edited', brokenAt: { seq: 2, id: ids[1] } });
  });

  it('treats a reformatted (same meaning) data text as an edit: the stored bytes are what was hashed', () => {
    sqlite("UPDATE events SET data = ' ' || data WHERE seq = 9");
    expect(verify()).toMatchObject({ ok: false, reason: 'edited', brokenAt: { seq: 9 } });
  });

  it('catches a deleted row', async () => {
    sqlite('DELETE FROM events WHERE seq = 7');
    expect(verify()).toMatchObject({ ok: false, reason: 'deleted', brokenAt: { seq: 8, id: ids[7] }, count: 6 });
    const r = await runBelay('log', 'verify', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, reason: 'deleted' });
  });

  it('catches a deleted row even when the seqs were renumbered to hide the gap', () => {
    sqlite('DELETE FROM events WHERE seq = 7; UPDATE events SET seq = seq + 1000 WHERE seq > 7; UPDATE events SET seq = seq - 1001 WHERE seq > 1000;');
    expect(verify()).toMatchObject({ ok: false, reason: 'deleted', brokenAt: { seq: 7, id: ids[7] } });
  });

  it('catches the newest rows cut off the end', () => {
    sqlite('DELETE FROM events WHERE seq >= 19');
    expect(verify()).toMatchObject({ ok: false, reason: 'deleted', brokenAt: { seq: 19 }, count: 18 });
  });

  it('catches a swapped pair', async () => {
    sqlite('UPDATE events SET seq = -1 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = 4; UPDATE events SET seq = 4 WHERE seq = -1;');
    expect(verify()).toMatchObject({ ok: false, reason: 'reordered', brokenAt: { seq: 3, id: ids[3] }, count: 2 });
    const r = await runBelay('log', 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('BROKEN (reordered) at event seq 3');
  });

  it('catches a forged row whose own hash was recomputed: the next link no longer holds', () => {
    const conn = openDatabase(db(), { readonly: true });
    const row = conn.prepare('SELECT * FROM events WHERE seq = 10').get() as EventRow;
    conn.close();
    const forged = { ...rowToEvent(row), tool: 'exfiltrate' };
    sqlite(`UPDATE events SET tool = 'exfiltrate', hash = '${chainHash(row.prev_hash, forged)}' WHERE seq = 10`);
    const r = verify();
    expect(r).toMatchObject({ ok: false, reason: 'deleted', brokenAt: { seq: 11, id: ids[10] } });
    if (!r.ok) expect(r.message).toMatch(/event 10 was rewritten with a forged hash/);
  });

  it('keeps verifying after retention pruned the oldest events through the recorded base', () => {
    const conn = openDatabase(db());
    const last = conn.prepare('SELECT seq, hash FROM events WHERE seq = 5').get() as { seq: number; hash: string };
    conn.prepare('DELETE FROM events WHERE seq <= 5').run();
    conn.prepare('UPDATE audit_chain SET base_seq = ?, base_hash = ?').run(last.seq, last.hash);
    conn.close();
    expect(verify()).toMatchObject({ ok: true, count: 15, head: { seq: 20 } });
  });
});
