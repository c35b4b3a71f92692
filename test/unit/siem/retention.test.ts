import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { verifyChain } from '../../../core/audit/verify.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { Outbox } from '../../../core/siem/outbox.js';
import { pruneEvents } from '../../../core/siem/retention.js';
import { sampleEvent } from '../../helpers/audit-fixtures.js';

let n = 0;
let audit: AuditLog;
const day = 86_400_000;

beforeEach(() => {
  const paths = belayPaths();
  ensureDataDir(paths);
  audit = AuditLog.open(path.join(paths.home, `retention-${n++}.db`));
});
afterEach(() => audit.close());

function write(count: number, startedAt: number) {
  for (let i = 0; i < count; i++) audit.append(sampleEvent(i, { startedAt: startedAt + i }));
  audit.flush();
}

describe('pruneEvents', () => {
  it('removes events past the age, keeps the chain verifiable from the recorded prune point', () => {
    const now = Date.now();
    write(40, now - 40 * day);
    write(10, now - 1000);
    const outbox = new Outbox(audit.db);
    outbox.ensure('done', 'now'); // everything already forwarded
    const r = pruneEvents(audit, { maxDays: 30, now, chunk: 7 });
    expect(r.pruned).toBe(40);
    expect(r.base?.seq).toBe(40);
    expect(r.unforwarded).toEqual([]);
    const v = verifyChain(audit.db);
    expect(v.ok).toBe(true);
    const pruneNote = audit.query({}).find((e) => e.data.event === 'audit.pruned')!;
    expect(pruneNote.data).toMatchObject({ count: 40, fromSeq: 1, toSeq: 40 });
    // A second run has nothing to do.
    expect(pruneEvents(audit, { maxDays: 30, now }).pruned).toBe(0);
  });

  it('never removes unforwarded events silently: siem.dropped per destination, cursor moved, count in status', () => {
    const now = Date.now();
    write(30, now - 60 * day);
    write(5, now);
    const outbox = new Outbox(audit.db);
    outbox.ensure('slow', 'beginning');
    outbox.recordAck('slow', { toSeq: 12, count: 12, rejected: [], complete: true });
    outbox.ensure('fast', 'now');
    const r = pruneEvents(audit, { maxDays: 30, now });
    expect(r.pruned).toBe(30);
    expect(r.unforwarded).toEqual([{ destination: 'slow', count: 18 }]);
    const dropped = audit.query({}).filter((e) => e.type === 'siem.dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0].data).toMatchObject({ destination: 'slow', count: 18, fromSeq: 13, toSeq: 30, reason: 'retention' });
    const slow = outbox.get('slow')!;
    expect(slow.lastAckedSeq).toBe(30);
    expect(slow.droppedTotal).toBe(18);
    expect(verifyChain(audit.db).ok).toBe(true);
  });

  it('by size, and never the newest event (the chain continues from it)', () => {
    write(300, Date.now());
    const r = pruneEvents(audit, { maxBytes: 1 });
    expect(r.pruned).toBe(299 + 0);
    const left = audit.db.prepare('SELECT count(*) AS c FROM events').get() as { c: number };
    expect(left.c).toBeGreaterThanOrEqual(1);
    audit.append(sampleEvent(1));
    audit.flush();
    const seqs = (audit.db.prepare('SELECT seq FROM events ORDER BY seq').all() as { seq: number }[]).map((x) => x.seq);
    expect(seqs.at(-1)).toBeGreaterThan(300);
    expect(verifyChain(audit.db).ok).toBe(true);
  });
});
