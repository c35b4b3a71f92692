import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { upstreamTrustedCAs } from '../../../core/proxy/upstream.js';
import { settingsSchema } from '../../../core/settings.js';

// Every certificate returned here is paid for on each upstream request, so the list must
// hold only what Node does not already trust (bench/RESULTS.md: getName / secure-context).
const body = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

describe('upstream trust list', () => {
  const proxy = settingsSchema.parse({}).proxy;

  it('never repeats a root Node already trusts', () => {
    const known = new Set(tls.rootCertificates.map(body));
    for (const { cert } of upstreamTrustedCAs(proxy, {})) expect(known.has(body(cert))).toBe(false);
  });

  it('adds extraCaFiles, and then NODE_EXTRA_CA_CERTS too (a given list replaces Node’s default store)', () => {
    const file = path.join(os.tmpdir(), `belay-extra-${process.pid}.pem`);
    const extra = tls.rootCertificates[0];
    const envFile = path.join(os.tmpdir(), `belay-env-${process.pid}.pem`);
    writeFileSync(file, extra);
    writeFileSync(envFile, tls.rootCertificates[1]);
    const list = upstreamTrustedCAs({ ...proxy, extraCaFiles: [file] }, { NODE_EXTRA_CA_CERTS: envFile }).map((c) => c.cert);
    expect(list).toContain(extra);
    expect(list).toContain(tls.rootCertificates[1]);
  });

  it('a missing CA file is a clear error naming the file', () => {
    expect(() => upstreamTrustedCAs({ ...proxy, extraCaFiles: ['/nonexistent/corp-ca.pem'] }, {})).toThrow(/\/nonexistent\/corp-ca\.pem.*extraCaFiles/);
  });
});
