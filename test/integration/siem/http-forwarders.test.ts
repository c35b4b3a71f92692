import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../helpers/siem-certs.js';
import { fastBatch, openHarness, waitUntil, type SiemHarness } from '../../helpers/siem-harness.js';
import { ElasticBulkReceiver, SplunkHecReceiver, WebhookReceiver, type Receiver } from '../../helpers/siem-receivers.js';

const TOKEN = '5f1e7c2a-9b3d-4c8e-a6f0-1d2e3f4a5b6c';
const API_KEY = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';
const HMAC = 'whsec-0123456789abcdef0123456789abcdef';

let pki: TestPki;
let h: SiemHarness;
const receivers: Receiver[] = [];

beforeAll(() => {
  pki = makeTestPki();
});
afterEach(async () => {
  await h?.close();
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

async function receiver<T extends Receiver>(r: T): Promise<T> {
  receivers.push(r);
  return r.start();
}

const tls = () => ({ verify: true, caFile: pki.caFile });

describe('Splunk HEC', () => {
  it('delivers every event once, batched, with the token header and the HEC envelope', async () => {
    const hec = await receiver(new SplunkHecReceiver({ token: TOKEN, pki }));
    h = openHarness();
    h.configure([{ name: 'splunk', type: 'splunk-hec', url: hec.url, index: 'belay', tls: tls(), batch: fastBatch(10), startAt: 'beginning' }], { splunk: { token: TOKEN } });
    const ids = h.write(25);
    h.forwarder.start(h.audit.db, h.audit);
    await waitUntil(() => hec.indexed.length >= 25, 10_000, 'all events at HEC');
    expect(hec.indexed.map((e) => e.event.id)).toEqual(ids);
    const env = hec.indexed[0];
    expect(env).toMatchObject({ index: 'belay', source: 'belay', sourcetype: 'belay:audit' });
    expect(env.fields).toMatchObject({ belay_id: ids[0] });
    expect(typeof env.time).toBe('number');
    expect(hec.requests.filter((r) => r.url === '/services/collector/event').length).toBeGreaterThanOrEqual(3);
    expect(hec.requests.every((r) => r.headers.authorization === `Splunk ${TOKEN}`)).toBe(true);
    await waitUntil(() => h.forwarder.status()[0]?.lagEvents === 0, 5000, 'lag 0');
    expect(h.forwarder.status()[0]).toMatchObject({ name: 'splunk', lagEvents: 0, sentTotal: 25, failing: false });
  });

  it('with indexer acknowledgment, the cursor waits for /services/collector/ack to say indexed', async () => {
    const hec = await receiver(new SplunkHecReceiver({ token: TOKEN, pki, ack: true, ackPollsBeforeIndexed: 2 }));
    h = openHarness();
    h.configure(
      [{ name: 'splunk', type: 'splunk-hec', url: `${hec.url}/services/collector`, indexerAck: true, ackPollMs: 20, tls: tls(), batch: fastBatch(5), startAt: 'beginning' }],
      { splunk: { token: TOKEN } },
    );
    const ids = h.write(12);
    h.forwarder.start(h.audit.db, h.audit);
    await waitUntil(() => h.forwarder.status()[0]?.lagEvents === 0, 10_000, 'acked');
    expect(hec.indexed.map((e) => e.event.id)).toEqual(ids);
    const acks = hec.requests.filter((r) => r.url.startsWith('/services/collector/ack'));
    expect(acks.length).toBeGreaterThanOrEqual(2 * 3);
    const posts = hec.requests.filter((r) => r.url === '/services/collector/event');
    expect(new Set(posts.map((p) => p.headers['x-splunk-request-channel'])).size).toBe(1);
  });

  it('an ackId never confirmed within ackTimeoutMs acknowledges nothing (the batch will be sent again)', async () => {
    const hec = await receiver(new SplunkHecReceiver({ token: TOKEN, pki, ack: true, ackPollsBeforeIndexed: 1_000_000 }));
    const { SplunkHecSender } = await import('../../../core/siem/forwarders/splunk-hec.js');
    const { parseDestination } = await import('../../../core/siem/config.js');
    const { makeTestEvent } = await import('../../../core/siem/test-event.js');
    const dest = parseDestination({ name: 's', type: 'splunk-hec', url: hec.url, indexerAck: true, ackTimeoutMs: 200, ackPollMs: 20, tls: tls() });
    if (dest.type !== 'splunk-hec') throw new Error('unreachable');
    const sender = new SplunkHecSender(dest, { token: TOKEN });
    const r = await sender.send([makeTestEvent()]);
    await sender.close();
    expect(r.acked).toBe(0);
    expect(r.error).toMatch(/did not confirm indexing of ackId 0 within 200 ms/);
    expect(hec.received).toHaveLength(1);
    expect(hec.indexed).toHaveLength(0);
  });

  it('503 busy is retried with backoff and shown in status, then everything arrives', async () => {
    const hec = await receiver(new SplunkHecReceiver({ token: TOKEN, pki }));
    hec.busy = true;
    h = openHarness();
    h.configure([{ name: 'splunk', type: 'splunk-hec', url: hec.url, tls: tls(), batch: fastBatch(10), startAt: 'beginning' }], { splunk: { token: TOKEN } });
    const ids = h.write(8);
    h.forwarder.start(h.audit.db, h.audit);
    await waitUntil(() => (h.forwarder.status()[0]?.attempts ?? 0) >= 2, 5000, 'failed attempts');
    const s = h.forwarder.status()[0];
    expect(s.failing).toBe(true);
    expect(s.lastError).toMatch(/Splunk is busy: Server is busy \(code 9\)/);
    expect(s.lagEvents).toBe(8);
    hec.busy = false;
    await waitUntil(() => hec.indexed.length >= 8, 5000, 'delivery after busy');
    expect(hec.indexed.map((e) => e.event.id)).toEqual(ids);
    await waitUntil(() => h.forwarder.status()[0].failing === false, 5000, 'recovered');
  });

  it('a wrong token fails clearly and the token never appears in status or logs', async () => {
    const hec = await receiver(new SplunkHecReceiver({ token: 'the-right-token-000000000000000' , pki }));
    h = openHarness();
    h.configure([{ name: 'splunk', type: 'splunk-hec', url: hec.url, tls: tls(), batch: fastBatch(10), startAt: 'beginning' }], { splunk: { token: TOKEN } });
    h.write(3);
    h.forwarder.start(h.audit.db, h.audit);
    await waitUntil(() => (h.forwarder.status()[0]?.attempts ?? 0) >= 1, 5000, 'a failure');
    const s = h.forwarder.status()[0];
    expect(s.lastError).toMatch(/Splunk refused the token: Invalid token \(code 4\)/);
    expect(JSON.stringify(h.forwarder.status())).not.toContain(TOKEN);
    expect(h.logs.join('\n')).not.toContain(TOKEN);
    expect(JSON.stringify(h.audit.query({}))).not.toContain(TOKEN);
  });
});

describe('Elasticsearch _bulk', () => {
  it('creates each event with _id = event id; 409 counts as delivered, 429 items are retried, 400 mapping errors are counted and skipped', async () => {
    const es = await receiver(new ElasticBulkReceiver({ apiKey: API_KEY }, pki));
    h = openHarness();
    h.configure([{ name: 'es', type: 'elastic', url: es.url, index: 'belay-audit', tls: tls(), batch: fastBatch(10), startAt: 'beginning' }], { es: { apiKey: API_KEY } });
    const ids = h.write(20);
    // Pre-stored: a previous run delivered this one already (its answer was lost).
    es.docs.set(`belay-audit/${ids[2]}`, { pre: true });
    const throttledOnce = new Set([ids[5]]);
    es.itemFault = (id) => {
      if (throttledOnce.delete(id)) return { status: 429, type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' };
      if (id === ids[7]) return { status: 400, type: 'mapper_parsing_exception', reason: 'failed to parse field [data.arguments] of type [keyword]' };
      return undefined;
    };
    h.forwarder.start(h.audit.db, h.audit);
    await waitUntil(() => h.forwarder.status()[0]?.lagEvents === 0, 10_000, 'all acked');
    const stored = [...es.docs.keys()].map((k) => k.split('/')[1]);
    expect(new Set(stored)).toEqual(new Set(ids.filter((id) => id !== ids[7])));
    // Retried from the 429 item on: 6 and later were sent twice, and count once.
    expect(es.attempts.filter((id) => id === ids[5])).toHaveLength(2);
    const s = h.forwarder.status()[0];
    expect(s.rejectedTotal).toBe(1);
    expect(s.recentRejected[0]).toMatchObject({ eventId: ids[7] });
    expect(s.recentRejected[0].reason).toMatch(/mapper_parsing_exception/);
    expect(s.warnings.join(' ')).toMatch(/refused for good/);
    const doc = es.docs.get(`belay-audit/${ids[0]}`)!;
    expect(doc['@timestamp']).toBeTruthy();
    expect(es.requests[0].headers['content-type']).toBe('application/x-ndjson');
    expect(es.requests[0].body.endsWith('\n')).toBe(true);
  });

  it('a top-level 429 backs off and retries the whole batch', async () => {
    const es = await receiver(new ElasticBulkReceiver({}, pki));
    es.throttled = true;
    h = openHarness();
    h.configure([{ name: 'es', type: 'elastic', url: es.url, tls: tls(), batch: fastBatch(50), startAt: 'beginning' }]);
    const ids = h.write(6);
    h.forwarder.start(h.audit.db, h.audit);
    await waitUntil(() => (h.forwarder.status()[0]?.attempts ?? 0) >= 1, 5000, 'throttled');
    expect(h.forwarder.status()[0].lastError).toMatch(/429/);
    // Retry-After: 1 is honoured.
    expect(Date.parse(h.forwarder.status()[0].nextAttemptAt!)).toBeGreaterThan(Date.now() + 300);
    es.throttled = false;
    await waitUntil(() => es.docs.size === 6, 5000, 'stored after throttle');
    expect(new Set([...es.docs.keys()].map((k) => k.split('/')[1]))).toEqual(new Set(ids));
  });
});

describe('webhook', () => {
  it('posts signed JSON Lines; a 5xx is retried', async () => {
    const hook = await receiver(new WebhookReceiver(HMAC, pki));
    hook.status = 503;
    h = openHarness();
    h.configure([{ name: 'hook', type: 'webhook', url: `${hook.url}/ingest`, tls: tls(), batch: fastBatch(4), startAt: 'beginning' }], { hook: { hmacSecret: HMAC } });
    const ids = h.write(9);
    h.forwarder.start(h.audit.db, h.audit);
    await waitUntil(() => (h.forwarder.status()[0]?.attempts ?? 0) >= 1, 5000, 'a 503');
    hook.status = 200;
    await waitUntil(() => hook.lines.length >= 9, 5000, 'lines');
    expect(hook.lines.map((l) => l.id)).toEqual(ids);
    expect(hook.badSignatures).toBe(0);
    expect(hook.requests[0].headers['x-belay-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.stringify(hook.requests.map((r) => r.headers))).not.toContain(HMAC);
  });
});

describe('TLS', () => {
  it('verifies certificates by default: an unknown CA fails with advice; verify:false works and is flagged', async () => {
    const hook = await receiver(new WebhookReceiver(HMAC, pki));
    h = openHarness();
    h.configure(
      [
        { name: 'strict', type: 'webhook', url: hook.url, batch: fastBatch(5), startAt: 'beginning' },
        { name: 'lax', type: 'webhook', url: hook.url, tls: { verify: false }, batch: fastBatch(5), startAt: 'beginning' },
      ],
      { strict: { hmacSecret: HMAC }, lax: { hmacSecret: HMAC } },
    );
    h.write(2);
    h.forwarder.start(h.audit.db, h.audit);
    await waitUntil(() => h.forwarder.status().find((s) => s.name === 'strict')!.attempts >= 1, 5000, 'strict fails');
    await waitUntil(() => h.forwarder.status().find((s) => s.name === 'lax')!.lagEvents === 0, 5000, 'lax delivers');
    const strict = h.forwarder.status().find((s) => s.name === 'strict')!;
    expect(strict.lastError).toMatch(/unknown CA|tls\.caFile/);
    expect(strict.lagEvents).toBe(2);
    expect(h.forwarder.status().find((s) => s.name === 'lax')!.warnings.join(' ')).toMatch(/verification is OFF/);
  });
});

afterAll(() => undefined);
