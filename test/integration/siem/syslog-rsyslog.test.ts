import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../helpers/siem-certs.js';
import { fastBatch, openHarness, waitUntil, type SiemHarness } from '../../helpers/siem-harness.js';
import { rsyslogAvailable, startRsyslog, type RsyslogInstance } from '../../helpers/siem-rsyslog.js';

/**
 * Real rsyslogd from Debian (packages rsyslog + rsyslog-gnutls), one instance with plain
 * TCP (octet counting), TLS (gtls driver, RFC 5425) and UDP inputs.
 */
if (!rsyslogAvailable()) throw new Error('rsyslogd is not installed: apt-get install -y rsyslog rsyslog-gnutls');

let pki: TestPki;
let rs: RsyslogInstance;
let h: SiemHarness;

beforeAll(async () => {
  pki = makeTestPki();
  rs = await startRsyslog(pki);
});
afterAll(async () => {
  await rs?.stop();
});
afterEach(async () => {
  await h?.close();
});

const SD = /\[belay@32473 id="([^"]+)" seq="(\d+)"/;

function fromDest(lines: { input: string; raw: string }[], input: string, ids: string[]) {
  const want = new Set(ids);
  return lines.filter((l) => l.input === input && want.has(SD.exec(l.raw)?.[1] ?? ''));
}

describe('syslog to rsyslog', () => {
  it.each([
    ['tcp', 'json'],
    ['tls', 'json'],
    ['tls', 'cef'],
    ['udp', 'json'],
  ] as const)('%s with %s bodies: every event arrives as an RFC 5424 message carrying its id', async (transport, format) => {
    h = openHarness();
    const port = transport === 'tcp' ? rs.tcpPort : transport === 'tls' ? rs.tlsPort : rs.udpPort;
    h.configure([
      { name: 'sys', type: 'syslog', host: '127.0.0.1', port, transport, format, tls: { verify: true, caFile: pki.caFile }, batch: fastBatch(7), startAt: 'beginning' },
    ]);
    const ids = h.write(20);
    h.forwarder.start(h.audit.db, h.audit);
    const lines = await rs.waitFor((l) => fromDest(l, transport, ids).length >= 20);
    const mine = fromDest(lines, transport, ids);
    expect(mine.map((l) => SD.exec(l.raw)![1])).toEqual(ids);
    for (const l of mine) {
      expect(l.raw).toMatch(/^<1\d\d>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ belay \d+ \S+ \[belay@32473 /);
      const body = l.raw.slice(l.raw.indexOf('] ') + 2);
      if (format === 'json') expect((JSON.parse(body) as { id: string }).id).toBe(SD.exec(l.raw)![1]);
      else expect(body).toMatch(/^CEF:0\|Belay\|/);
    }
    await waitUntil(() => h.forwarder.status()[0].lagEvents === 0, 5000, 'cursor at head');
  });

  it('TLS refuses a collector whose certificate is not trusted (no CA file given)', async () => {
    h = openHarness();
    h.configure([{ name: 'sys', type: 'syslog', host: '127.0.0.1', port: rs.tlsPort, transport: 'tls', batch: fastBatch(5), startAt: 'beginning' }]);
    h.write(2);
    h.forwarder.start(h.audit.db, h.audit);
    await waitUntil(() => h.forwarder.status()[0].attempts >= 1, 5000, 'a TLS failure');
    expect(h.forwarder.status()[0].lastError).toMatch(/unknown CA|self-signed|tls\.caFile/);
    expect(h.forwarder.status()[0].lagEvents).toBe(2);
  });
});
