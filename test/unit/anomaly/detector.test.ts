import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../../core/anomaly/alert-store.js';
import { AnomalyDetector } from '../../../core/anomaly/detector.js';
import { AnomalyMonitor } from '../../../core/anomaly/monitor.js';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { settingsSchema } from '../../../core/settings.js';
import type { NewAuditEvent } from '../../../shared/events.js';
import { byTime, llmCall, quietTraffic, T0, toolCall } from '../../helpers/anomaly-traffic.js';

const MIN = 60_000;
const settings = settingsSchema.parse({ anomaly: { learningHours: 1, windowMinutes: 60, spikeFactor: 5, minCallsPerMinute: 30, minErrorsPerMinute: 10, minTokensPerHour: 1_000_000, minSamples: 5 } });

let n = 0;
/** A real audit database file with the traffic recorded in it, and the monitor that tails it. */
function recorded(events: NewAuditEvent[], opts: { seed?: boolean } = {}) {
  const paths = belayPaths();
  ensureDataDir(paths);
  const audit = AuditLog.open(path.join(paths.home, `anomaly-${n++}.db`));
  // Existing history is learned silently on the first start; the traffic under test comes after.
  const alerts = new AlertStore(audit.db, audit, () => settings.anomaly.windowMinutes * MIN);
  const detector = new AnomalyDetector(audit.db, alerts, () => settings.anomaly);
  const warnings: string[] = [];
  const monitor = new AnomalyMonitor(audit, detector, alerts, { warn: (m) => warnings.push(m) });
  if (!opts.seed) monitor.start();
  monitor.stop();
  for (const e of byTime(events)) audit.append(e);
  audit.flush();
  const read = monitor.poll(T0 + 24 * 3600_000);
  audit.flush();
  return { audit, alerts, monitor, warnings, read };
}

describe('anomaly detector over recorded traffic', () => {
  it('a quiet baseline fires nothing', () => {
    const { alerts, audit, warnings, read } = recorded(quietTraffic());
    expect(read).toBe(180 * 8);
    expect(warnings).toEqual([]);
    expect(alerts.list({ includeAcked: true })).toEqual([]);
    expect(audit.query({ type: 'alert' })).toEqual([]);
    audit.close();
  });

  it('planted spikes, a new host, a new tool and an error burst each fire once, with counts', () => {
    const events = quietTraffic();
    const spikeAt = T0 + 120 * MIN;
    // Two burst minutes inside one window: one alert, count 2.
    for (const minute of [spikeAt, spikeAt + 5 * MIN]) for (let i = 0; i < 60; i++) events.push(llmCall('cursor', 'api.openai.com', minute + i * 900));
    // First contact with a host, three times.
    for (let i = 0; i < 3; i++) events.push(llmCall('cursor', 'paste.example', spikeAt + 30 * MIN + i * 1000, { type: 'http', protocol: 'http', data: {} }));
    // A tool never called before.
    events.push(toolCall('cursor', 'fs', 'delete_file', spikeAt + 31 * MIN));
    // claude-code: 15 failed calls in one minute.
    for (let i = 0; i < 15; i++) events.push(llmCall('claude-code', 'api.anthropic.com', spikeAt + 40 * MIN + i * 2000, { status: 529, error: 'overloaded' }));

    const { alerts, audit } = recorded(events);
    const list = alerts.list();
    const summary = list.map((a) => ({ kind: a.kind, client: a.client, subject: a.subject, count: a.count })).sort((a, b) => a.kind.localeCompare(b.kind));
    expect(summary).toEqual([
      { kind: 'call-spike', client: 'cursor', subject: 'calls', count: 2 },
      { kind: 'error-spike', client: 'claude-code', subject: 'errors', count: 1 },
      { kind: 'new-host', client: 'cursor', subject: 'paste.example', count: 1 },
      { kind: 'new-tool', client: 'cursor', subject: 'fs/delete_file', count: 1 },
    ]);
    const spike = list.find((a) => a.kind === 'call-spike')!;
    expect(spike.message).toMatch(/cursor made \d+ calls in one minute \(baseline 6\.0/);
    // Audit events: one per alert when it fired, plus one closing summary for the repeated spike.
    const events2 = audit.query({ type: 'alert', order: 'oldest' } as never);
    const kinds = events2.map((e) => `${String(e.data.alert)}${e.data.summary ? ' (summary)' : ''}`).sort();
    expect(kinds).toEqual(['call-spike', 'call-spike (summary)', 'error-spike', 'new-host', 'new-tool']);
    expect(events2.find((e) => e.data.summary)?.data.count).toBe(2);
    // The alert links back to the event that caused it.
    const newHost = events2.find((e) => e.data.alert === 'new-host')!;
    expect(audit.get(newHost.links![0])?.host).toBe('paste.example');
    audit.close();
  });

  it('learning: hosts and tools seen in the first hours, or in history before the first start, raise nothing', () => {
    const history = quietTraffic(30).map((e) => ({ ...e, host: e.host === 'api.openai.com' ? 'early.example' : e.host }));
    const { alerts, audit } = recorded(history);
    expect(alerts.list()).toEqual([]);
    audit.close();
  });

  it('acknowledging hides an alert from the open list; a repeat after the window is a new alert', () => {
    const { alerts, audit } = recorded([]);
    const a = alerts.raise({ kind: 'new-host', client: 'x', subject: 'h', message: 'm', severity: 'low', at: T0 });
    const b = alerts.raise({ kind: 'new-host', client: 'x', subject: 'h', message: 'm', severity: 'low', at: T0 + 10 * MIN });
    expect(b).toMatchObject({ alertId: a.alertId, fresh: false, count: 2 });
    expect(alerts.ack(a.alertId, 'test')).toBe(true);
    expect(alerts.ack(a.alertId, 'test')).toBe(false);
    expect(alerts.openCount()).toBe(0);
    const c = alerts.raise({ kind: 'new-host', client: 'x', subject: 'h', message: 'm', severity: 'low', at: T0 + 61 * MIN });
    expect(c.fresh).toBe(true);
    expect(alerts.openCount()).toBe(1);
    expect(alerts.list({ includeAcked: true }).find((x) => x.id === a.alertId)).toMatchObject({ acked: true, ackedBy: 'test', count: 2 });
    audit.close();
  });
});
