import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { enforceCap, planDrop } from '../../../core/siem/cap.js';
import { parseDestination } from '../../../core/siem/config.js';
import { Outbox } from '../../../core/siem/outbox.js';
import { sampleEvent } from '../../helpers/audit-fixtures.js';

let n = 0;
let audit: AuditLog;
let outbox: Outbox;

beforeEach(() => {
  const paths = belayPaths();
  ensureDataDir(paths);
  audit = AuditLog.open(path.join(paths.home, `outbox-${n++}.db`));
  outbox = new Outbox(audit.db);
});
afterEach(() => audit.close());

function write(count: number, startedAt?: number) {
  for (let i = 0; i < count; i++) audit.append(sampleEvent(i, startedAt ? { startedAt: startedAt + i } : {}));
  audit.flush();
}

describe('outbox cursor', () => {
  it('starts at the head ("now") or at 0 ("beginning"), and only moves forward', () => {
    write(5);
    expect(outbox.ensure('a', 'now').lastAckedSeq).toBe(5);
    expect(outbox.ensure('b', 'beginning').lastAckedSeq).toBe(0);
    outbox.recordAck('b', { toSeq: 3, count: 3, rejected: [], complete: true });
    outbox.recordAck('b', { toSeq: 2, count: 2, rejected: [], complete: true }); // a late answer
    expect(outbox.get('b')!.lastAckedSeq).toBe(3);
    expect(outbox.get('b')!.sentTotal).toBe(5);
  });

  it('persists failures and retry time; a complete ack clears them', () => {
    write(2);
    outbox.ensure('a', 'beginning');
    outbox.recordFailure('a', 'connection refused', Date.now() + 60_000);
    outbox.recordFailure('a', 'connection refused', Date.now() + 60_000);
    const s = outbox.get('a')!;
    expect(s.attempts).toBe(2);
    expect(s.lastError).toBe('connection refused');
    expect(s.nextAttemptAt).toBeGreaterThan(Date.now());
    outbox.recordAck('a', { toSeq: 2, count: 2, rejected: [{ seq: 2, eventId: 'x', reason: 'mapping', at: 1 }], complete: true });
    const t = outbox.get('a')!;
    expect([t.attempts, t.nextAttemptAt, t.sentTotal, t.rejectedTotal]).toEqual([0, 0, 1, 1]);
    expect(outbox.rejected('a')).toEqual([{ seq: 2, eventId: 'x', reason: 'mapping', at: 1 }]);
  });
});

describe('cap', () => {
  it('by count: skips the oldest unsent down to 90% of the cap, counts them and writes siem.dropped', () => {
    write(30);
    const dest = parseDestination({ name: 'tiny', type: 'webhook', url: 'https://h.example', cap: { maxEvents: 10 }, startAt: 'beginning' });
    outbox.ensure('tiny', 'beginning');
    const drop = enforceCap(audit.db, outbox, audit, dest)!;
    expect(drop).toMatchObject({ fromSeq: 1, toSeq: 21, count: 21, reason: 'cap.maxEvents' });
    const s = outbox.get('tiny')!;
    expect(s.lastAckedSeq).toBe(21);
    expect(s.droppedTotal).toBe(21);
    const dropped = audit.query({}).filter((e) => e.type === 'siem.dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0].data).toMatchObject({ destination: 'tiny', count: 21, fromSeq: 1, toSeq: 21, reason: 'cap.maxEvents' });
    // The siem.dropped event itself is within the cap now: no drop-per-event cascade.
    expect(enforceCap(audit.db, outbox, audit, dest)).toBeUndefined();
  });

  it('by age: skips only the unsent events older than the limit', () => {
    const day = 86_400_000;
    const now = Date.now();
    write(5, now - 10 * day);
    write(3, now - 1000);
    outbox.ensure('d', 'beginning');
    const plan = planDrop(audit.db, 0, outbox.headSeq(), { maxAgeDays: 7 }, now)!;
    expect(plan).toMatchObject({ fromSeq: 1, toSeq: 5, count: 5, reason: 'cap.maxAgeDays' });
    expect(planDrop(audit.db, 5, outbox.headSeq(), { maxAgeDays: 7 }, now)).toBeUndefined();
  });

  it('a drop already applied by another process is not counted twice', () => {
    write(20);
    outbox.ensure('x', 'beginning');
    const drop = planDrop(audit.db, 0, 20, { maxEvents: 5 })!;
    expect(outbox.recordDrop('x', drop)).toBe(true);
    expect(outbox.recordDrop('x', drop)).toBe(false);
    expect(outbox.get('x')!.droppedTotal).toBe(drop.count);
  });
});
