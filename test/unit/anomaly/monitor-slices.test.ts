import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../../core/anomaly/alert-store.js';
import { AnomalyDetector } from '../../../core/anomaly/detector.js';
import { AnomalyMonitor, nextSliceSize } from '../../../core/anomaly/monitor.js';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { settingsSchema } from '../../../core/settings.js';
import type { AuditEvent } from '../../../shared/events.js';
import { llmCall, T0 } from '../../helpers/anomaly-traffic.js';

const settings = settingsSchema.parse({});

function openLog(name: string): AuditLog {
  const paths = belayPaths();
  ensureDataDir(paths);
  return AuditLog.open(path.join(paths.home, `${name}.db`));
}

describe('the anomaly monitor on a busy proxy', () => {
  interface Slice {
    events: number;
    /** Loop turns another task had had before this slice. */
    turns: number;
    /** The size the monitor asked for: a slice that got it all is followed by another. */
    size: number;
  }
  /** Each slice the monitor processed, seen at the detector as it ends. */
  function watchSlices(detector: AnomalyDetector, turns: () => number, size: () => number): Slice[] {
    const slices: Slice[] = [];
    let observed = 0;
    const observe = detector.observe.bind(detector);
    detector.observe = (e, seeding) => {
      observed++;
      observe(e, seeding);
    };
    const flush = detector.flush.bind(detector);
    detector.flush = () => {
      if (observed > 0) slices.push({ events: observed, turns: turns(), size: size() });
      observed = 0;
      flush();
    };
    return slices;
  }

  it('catches up on a backlog in slices, with the event loop free between them', async () => {
    const audit = openLog('slices');
    const alerts = new AlertStore(audit.db, audit, () => 3_600_000);
    const detector = new AnomalyDetector(audit.db, alerts, () => settings.anomaly);
    // Counts the turns of the event loop another task got.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    const monitor = new AnomalyMonitor(audit, detector, alerts, { warn: () => {}, pollMs: 20 });
    const slices = watchSlices(detector, () => turns, () => (monitor as unknown as { sliceSize: number }).sliceSize);
    monitor.start(); // first start on an empty log: nothing to learn
    for (let i = 0; i < 1000; i++) audit.append(llmCall('cursor', 'api.openai.com', T0 + i * 100));
    audit.flush();
    setImmediate(tick);
    const cursor = () => (audit.db.prepare('SELECT last_seq AS seq FROM anomaly_state WHERE id = 1').get() as { seq: number }).seq;
    await expect.poll(cursor, { timeout: 5000 }).toBe(1000);
    monitor.stop();
    ticking = false;
    expect(slices.length).toBeGreaterThanOrEqual(16); // 1,000 events in slices of at most 64
    expect(Math.max(...slices.map((s) => s.events))).toBeLessThanOrEqual(64);
    // A full slice is followed by the next one of the same catch-up: the loop must turn in between.
    // (A short one ends the catch-up; the timer's next poll may start in the very next phase.)
    const full = slices.slice(1).filter((_, i) => slices[i].events === slices[i].size);
    expect(full.length).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < slices.length; i++) {
      if (slices[i - 1].events === slices[i - 1].size) expect(slices[i].turns).toBeGreaterThan(slices[i - 1].turns);
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
    const monitor = new AnomalyMonitor(audit, detector, alerts, { warn: () => {}, pollMs: 20 });
    const slices = watchSlices(detector, () => 0, () => 0);
    monitor.start();
    for (let i = 0; i < 400; i++) audit.append(llmCall('cursor', 'api.openai.com', T0 + i * 100));
    audit.flush();
    const cursor = () => (audit.db.prepare('SELECT last_seq AS seq FROM anomaly_state WHERE id = 1').get() as { seq: number }).seq;
    await expect.poll(cursor, { timeout: 10_000 }).toBe(400);
    monitor.stop();
    // The first slice is sized blind; at 0.2 ms an event, every later one fits 2 ms: 8 events (the floor).
    expect(slices.length).toBeGreaterThan(20);
    expect(Math.max(...slices.slice(1).map((s) => s.events))).toBeLessThanOrEqual(10);
    audit.close();
  });

  it("takes this process's events from memory and other processes' from the database, in seq order, the same either way", async () => {
    const audit = openLog('from-memory');
    const other = AuditLog.open(path.join(belayPaths().home, 'from-memory.db')); // e.g. `belay mcp-wrap`
    const alerts = new AlertStore(audit.db, audit, () => 3_600_000);
    const detector = new AnomalyDetector(audit.db, alerts, () => settings.anomaly);
    const seen: AuditEvent[] = [];
    const observe = detector.observe.bind(detector);
    detector.observe = (e, seeding) => {
      seen.push(e);
      observe(e, seeding);
    };
    const readBack: number[] = [];
    const tailed = Object.assign(Object.create(audit) as AuditLog, {
      readSince: (seq: number, limit: number) => {
        const got = audit.readSince(seq, limit);
        readBack.push(...got.map((e) => e.seq));
        return got;
      },
    });
    const monitor = new AnomalyMonitor(tailed, detector, alerts, { warn: () => {}, pollMs: 20 });
    monitor.start();
    const write = (log: AuditLog, from: number, n: number) => {
      for (let i = from; i < from + n; i++) log.append(llmCall(log === audit ? 'cursor' : 'claude-code', 'api.openai.com', T0 + i * 100));
      log.flush();
    };
    write(audit, 0, 150);
    write(other, 150, 40);
    write(audit, 190, 150);
    const cursor = () => (audit.db.prepare('SELECT last_seq AS seq FROM anomaly_state WHERE id = 1').get() as { seq: number }).seq;
    await expect.poll(cursor, { timeout: 5000 }).toBe(340);
    monitor.stop();
    // Every event once, in seq order, equal to what the database holds.
    expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 340 }, (_, i) => i + 1));
    expect(seen).toEqual(audit.readSince(0, 1000));
    // The other process's events came from the database; most of this one's did not.
    for (let seq = 151; seq <= 190; seq++) expect(readBack).toContain(seq);
    expect(readBack.filter((seq) => seq <= 150 || seq > 190).length).toBeLessThan(100);
    other.close();
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
