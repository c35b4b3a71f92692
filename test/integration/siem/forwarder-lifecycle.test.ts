import { afterEach, describe, expect, it } from 'vitest';
import { makeTestPki } from '../../helpers/siem-certs.js';
import { openHarness, waitUntil, type SiemHarness } from '../../helpers/siem-harness.js';
import { WebhookReceiver } from '../../helpers/siem-receivers.js';

const HMAC = 'lifecycle-secret-0123456789abcdef';
const pki = makeTestPki();
let h: SiemHarness;
let hook: WebhookReceiver;

afterEach(async () => {
  await h?.close();
  await hook?.stop();
});

const dest = (over: Record<string, unknown> = {}) => ({
  name: 'hook', type: 'webhook' as const, url: hook.url, tls: { verify: true, caFile: pki.caFile }, startAt: 'beginning' as const, ...over,
});

describe('SiemForwarder lifecycle', () => {
  it('picks up a destination added to siem.json while running', async () => {
    hook = await new WebhookReceiver(HMAC, pki).start();
    h = openHarness();
    h.configure([]);
    h.forwarder.start(h.audit.db, h.audit);
    const ids = h.write(5);
    h.configure([dest({ batch: { maxEvents: 10, maxBytes: 1 << 20, maxDelayMs: 10 } })], { hook: { hmacSecret: HMAC } });
    await waitUntil(() => hook.lines.length >= 5, 5000, 'delivery after reload');
    expect(hook.lines.map((l) => l.id)).toEqual(ids);
  });

  it('stop() sends the partial batch that was still waiting for company', async () => {
    hook = await new WebhookReceiver(HMAC, pki).start();
    h = openHarness();
    h.configure([dest({ batch: { maxEvents: 1000, maxBytes: 1 << 20, maxDelayMs: 600_000 } })], { hook: { hmacSecret: HMAC } });
    h.forwarder.start(h.audit.db, h.audit);
    const ids = h.write(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(hook.lines).toHaveLength(0); // held: the batch is not full and not old
    await h.forwarder.stop(3000);
    expect(hook.lines.map((l) => l.id)).toEqual(ids);
  });

  it('a disabled destination sends nothing and shows its growing lag', async () => {
    hook = await new WebhookReceiver(HMAC, pki).start();
    h = openHarness();
    h.configure([dest({ enabled: false, batch: { maxEvents: 10, maxBytes: 1 << 20, maxDelayMs: 10 } })], { hook: { hmacSecret: HMAC } });
    h.forwarder.start(h.audit.db, h.audit);
    h.write(4);
    await new Promise((r) => setTimeout(r, 200));
    expect(hook.requests).toHaveLength(0);
    const s = h.forwarder.status()[0];
    expect(s).toMatchObject({ enabled: false, lagEvents: 4 });
    expect(s.warnings.join(' ')).toMatch(/Disabled: events are piling up/);
  });
});

describe('SiemForwarder with a broken siem.json', () => {
  it('does not throw into the guard; logs the problem and starts once the file is fixed', async () => {
    const { writeFileSync } = await import('node:fs');
    const { belayPaths } = await import('../../../core/paths.js');
    hook = await new WebhookReceiver(HMAC, pki).start();
    h = openHarness();
    h.configure([]);
    writeFileSync(belayPaths().siem, '{"destinations": [{"name": "x", "type": "kafka"}]}');
    expect(() => h.forwarder.start(h.audit.db, h.audit)).not.toThrow();
    expect(h.logs.join('\n')).toMatch(/SIEM forwarding is not running: .*siem\.json is not a valid SIEM configuration/);
    const ids = h.write(2);
    h.configure([dest({ batch: { maxEvents: 10, maxBytes: 1 << 20, maxDelayMs: 10 } })], { hook: { hmacSecret: HMAC } });
    await waitUntil(() => hook.lines.length >= 2, 5000, 'delivery after the fix');
    expect(hook.lines.map((l) => l.id)).toEqual(ids);
  });
});
