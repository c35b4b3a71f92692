import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsResponse, ReviewReport } from '../../../shared/api.js';
import { startTestBelay, type TestBelay } from '../../helpers/engine.js';

// The engine end to end: traffic through the proxy → audit log → anomaly monitor →
// alert (audit event + row) → control API list / ack; the review over the same log.
let belay: TestBelay;
let site: http.Server;
let siteUrl: string;

beforeAll(async () => {
  site = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  // No learning period: the first host a client contacts is already "new".
  belay = await startTestBelay({ settings: { anomaly: { learningHours: 0 } } });
}, 60_000);
afterAll(async () => {
  await belay?.stop();
  await new Promise((r) => site.close(r));
});

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${belay.control.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${belay.control.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function until<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('alerts and review through the control API', () => {
  it('a first contact with a host becomes one alert (event + row), listed and acknowledged through the API', async () => {
    for (let i = 0; i < 3; i++) await (await belay.fetch(`${siteUrl}/page${i}`, { headers: { 'user-agent': 'curl/8.5.0' } })).text();
    const alert = await until(async () => (await api<AlertsResponse>('GET', '/api/alerts')).json.alerts.find((a) => a.kind === 'new-host'));
    expect(alert).toMatchObject({ client: 'curl', subject: '127.0.0.1', count: 1, acked: false });
    const [event] = await belay.waitForEvents((e) => e.type === 'alert' && e.data.alert === 'new-host');
    expect(event.id).toBe(alert.eventId);
    expect((await api<AlertsResponse>('GET', '/api/alerts')).json.open).toBe(1);

    expect((await api('POST', `/api/alerts/${alert.id}/ack`, {})).status).toBe(200);
    expect((await api('POST', `/api/alerts/${alert.id}/ack`, {})).status).toBe(409);
    const after = (await api<AlertsResponse>('GET', '/api/alerts')).json;
    expect(after).toMatchObject({ open: 0, alerts: [] });
    const all = (await api<AlertsResponse>('GET', '/api/alerts?all=1')).json.alerts;
    expect(all.find((a) => a.id === alert.id)).toMatchObject({ acked: true, ackedBy: 'dashboard' });
  });

  it('serves the review of the period, and refuses a bad time', async () => {
    const r = await api<ReviewReport>('GET', `/api/review?since=${Date.now() - 3600_000}`);
    expect(r.status).toBe(200);
    const curl = r.json.clients.find((c) => c.client === 'curl');
    expect(curl).toMatchObject({ calls: 3, hosts: [{ host: '127.0.0.1', calls: 3 }] });
    expect(curl?.alerts.map((a) => a.summary)).toEqual(['curl contacted 127.0.0.1 for the first time.']);
    const bad = await api<{ error: string }>('GET', '/api/review?since=yesterday-ish');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/"since" must be an ISO time/);
  });
});
