import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../../core/anomaly/alert-store.js';
import { AnomalyDetector } from '../../../core/anomaly/detector.js';
import { AnomalyMonitor, nextSliceSize } from '../../../core/anomaly/monitor.js';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { settingsSchema } from '../../../core/settings.js';
import { llmCall, T0 } from '../../helpers/anomaly-traffic.js';

const settings = settingsSchema.parse({});

function openLog(name: string): AuditLog {
  const paths = belayPaths();
  ensureDataDir(paths);
  return AuditLog.open(path.join(paths.home, `${name}.db`));
}

describe('the anomaly monitor on a busy proxy', () => {
  it('catches up on a backlog in slices, with the event loop free between them', async () => {
    const audit = openLog('slices');
    const alerts = new AlertStore(audit.db, audit, () => 3_600_000);
    const detector = new AnomalyDetector(audit.db, alerts, () => settings.anomaly);
    // Records each read and how many turns of the event loop another task got before it.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    const reads: { limit: number; turns: number; got: number }[] = [];
    const tailed = Object.assign(Object.create(audit) as AuditLog, {
      readSince: (seq: number, limit: number) => {
        const got = audit.readSince(seq, limit);
        reads.push({ limit, turns, got: got.length });
        return got;
      },
    });
    const monitor = new AnomalyMonitor(tailed, detector, alerts, { warn: () => {}, pollMs: 20 });
    monitor.start(); // first start on an empty log: nothing to learn
    for (let i = 0; i < 1000; i++) audit.append(llmCall('cursor', 'api.openai.com', T0 + i * 100));
    audit.flush();
    setImmediate(tick);
    const cursor = () => (audit.db.prepare('SELECT last_seq AS seq FROM anomaly_state WHERE id = 1').get() as { seq: number }).seq;
    await expect.poll(cursor, { timeout: 5000 }).toBe(1000);
    monitor.stop();
    ticking = false;
    const sliced = reads.filter((r) => r.limit < 2000);
    expect(sliced.length).toBeGreaterThanOrEqual(4); // 1,000 events in slices of at most 64
    // A full slice is followed by the next one of the same catch-up: the loop must turn in between.
    // (A short one ends the catch-up; the timer's next poll may start in the very next phase.)
    for (let i = 1; i < sliced.length; i++) {
      if (sliced[i - 1].got === sliced[i - 1].limit) expect(sliced[i].turns).toBeGreaterThan(sliced[i - 1].turns);
    }
    audit.close();
  });

  it('sizes its slices by time: on a slow machine a slice holds the loop for about 2 ms, not a fixed count', async () => {
    const audit = openLog('slow-slices');
    const alerts = new AlertStore(audit.db, audit, () => 3_600_000);
    const detector = new AnomalyDetector(audit.db, alerts, () => settings.anomaly);
    // A machine where each event takes at least 0.2 ms to judge.
    const observe = detector.observe.bind(detector);
    detector.observe = (e, seeding) => {
      const until = performance.now() + 0.2;
      while (performance.now() < until);
      observe(e, seeding);
    };
    const limits: number[] = [];
    const tailed = Object.assign(Object.create(audit) as AuditLog, {
      readSince: (seq: number, limit: number) => {
        limits.push(limit);
        return audit.readSince(seq, limit);
      },
    });
    const monitor = new AnomalyMonitor(tailed, detector, alerts, { warn: () => {}, pollMs: 20 });
    monitor.start();
    for (let i = 0; i < 400; i++) audit.append(llmCall('cursor', 'api.openai.com', T0 + i * 100));
    audit.flush();
    const cursor = () => (audit.db.prepare('SELECT last_seq AS seq FROM anomaly_state WHERE id = 1').get() as { seq: number }).seq;
    await expect.poll(cursor, { timeout: 10_000 }).toBe(400);
    monitor.stop();
    const slices = limits.filter((l) => l < 2000);
    // The first slice is sized blind; at 0.2 ms an event, every later one fits 2 ms: 8 events (the floor).
    expect(slices.length).toBeGreaterThan(20);
    expect(Math.max(...slices.slice(1))).toBeLessThanOrEqual(10);
    audit.close();
  });

  it('sizes the next slice from the last one’s pace, within bounds', () => {
    expect(nextSliceSize(32, 2)).toBe(32);
    expect(nextSliceSize(16, 1)).toBe(32);
    expect(nextSliceSize(32, 0.1)).toBe(64);
    expect(nextSliceSize(32, 100)).toBe(8);
    expect(nextSliceSize(32, 0)).toBe(64);
  });

  it('still counts every use of a host and its last use, written once per batch', () => {
    const audit = openLog('touches');
    const alerts = new AlertStore(audit.db, audit, () => 3_600_000);
    const detector = new AnomalyDetector(audit.db, alerts, () => settings.anomaly);
    const monitor = new AnomalyMonitor(audit, detector, alerts, { warn: () => {} });
    for (let i = 0; i < 30; i++) audit.append(llmCall('cursor', 'api.openai.com', T0 + i * 1000));
    audit.flush();
    expect(monitor.poll(T0 + 60_000)).toBe(30);
    for (let i = 30; i < 45; i++) audit.append(llmCall('cursor', 'api.openai.com', T0 + i * 1000));
    audit.flush();
    expect(monitor.poll(T0 + 60_000)).toBe(15);
    const row = audit.db.prepare("SELECT count, first_seen AS first, last_seen AS last FROM anomaly_seen WHERE client = 'cursor' AND kind = 'host'").get() as { count: number; first: number; last: number };
    expect(row).toEqual({ count: 45, first: T0, last: T0 + 44_000 });
    audit.close();
  });
});
