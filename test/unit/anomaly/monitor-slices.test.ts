import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../../core/anomaly/alert-store.js';
import { AnomalyDetector } from '../../../core/anomaly/detector.js';
import { AnomalyMonitor } from '../../../core/anomaly/monitor.js';
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
    const reads: { limit: number; turns: number }[] = [];
    const tailed = Object.assign(Object.create(audit) as AuditLog, {
      readSince: (seq: number, limit: number) => {
        reads.push({ limit, turns });
        return audit.readSince(seq, limit);
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
    expect(sliced.length).toBeGreaterThanOrEqual(4); // 1,000 events in slices of at most 250
    for (let i = 1; i < sliced.length; i++) expect(sliced[i].turns).toBeGreaterThan(sliced[i - 1].turns);
    audit.close();
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
