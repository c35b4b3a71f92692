import { afterEach, describe, expect, it } from 'vitest';
import { makeTestPki } from '../../helpers/siem-certs.js';
import { openHarness, waitUntil, type SiemHarness } from '../../helpers/siem-harness.js';
import { WebhookReceiver } from '../../helpers/siem-receivers.js';

const HMAC = 'cap-test-secret-0123456789abcdef';
let h: SiemHarness;
let hook: WebhookReceiver | undefined;

afterEach(async () => {
  await h?.close();
  await hook?.stop();
});

describe('outbox cap', () => {
  it('a tiny cap drops the oldest unsent events, counts them, writes siem.dropped, warns in status, and forwards the notice', async () => {
    const pki = makeTestPki();
    hook = await new WebhookReceiver(HMAC, pki).start();
    hook.status = 503; // the collector is failing: events pile up
    h = openHarness();
    h.configure(
      [{ name: 'hook', type: 'webhook', url: hook.url, tls: { verify: true, caFile: pki.caFile }, batch: { maxEvents: 100, maxBytes: 1 << 20, maxDelayMs: 10 }, cap: { maxEvents: 10 }, startAt: 'beginning' }],
      { hook: { hmacSecret: HMAC } },
    );
    h.forwarder.start(h.audit.db, h.audit);
    const ids = h.write(50);
    await waitUntil(() => h.forwarder.status()[0]?.droppedTotal > 0, 5000, 'a drop');
    const s = h.forwarder.status()[0];
    expect(s.lagEvents).toBeLessThanOrEqual(10);
    expect(s.warnings.join(' ')).toMatch(/never forwarded/);
    const notices = h.audit.query({}).filter((e) => e.type === 'siem.dropped');
    expect(notices.length).toBeGreaterThanOrEqual(1);
    const counted = notices.reduce((sum, e) => sum + (e.data.count as number), 0);
    expect(counted).toBe(s.droppedTotal);
    expect(notices[0].data).toMatchObject({ destination: 'hook', fromSeq: 1, reason: 'cap.maxEvents' });

    hook.status = 200;
    await waitUntil(() => h.forwarder.status()[0].lagEvents === 0, 5000, 'caught up');
    const got = new Set(hook.lines.map((l) => l.id));
    // Every event is either delivered or inside a counted, reported drop.
    const droppedSeqs = new Set<number>();
    for (const e of notices) for (let q = e.data.fromSeq as number; q <= (e.data.toSeq as number); q++) droppedSeqs.add(q);
    const all = h.audit.readSince(0, 1000);
    for (const e of all) expect(got.has(e.id) || droppedSeqs.has(e.seq)).toBe(true);
    expect(ids.filter((id) => got.has(id)).length).toBe(50 - droppedSeqs.size);
    // The SIEM itself learns about the gap.
    expect(hook.lines.some((l) => l.type === 'siem.dropped')).toBe(true);
  });
});
