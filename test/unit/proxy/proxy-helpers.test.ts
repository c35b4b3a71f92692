import { describe, expect, it } from 'vitest';
import { sanEntries } from '../../../core/proxy/leaf-san.js';
import { describeUpstreamError } from '../../../core/proxy/upstream-errors.js';
import { upstreamProxy } from '../../../core/proxy/upstream.js';
import { proxyEnvironment, renderEnvironment } from '../../../core/proxy/environment.js';
import { portBusyMessage } from '../../../core/proxy/loopback.js';
import { replaceSecrets } from '../../../core/proxy/protocol-analyzer.js';
import { settingsSchema } from '../../../core/settings.js';

const proxySettings = settingsSchema.parse({}).proxy;

describe('leaf certificate SANs', () => {
  it('turns an IP host into an IP SAN and keeps DNS names', () => {
    expect(sanEntries('10.1.2.3')).toEqual([{ type: 'ip', value: '10.1.2.3' }]);
    expect(sanEntries('::1')).toEqual([{ type: 'ip', value: '::1' }]);
    expect(sanEntries('api.openai.com')).toEqual([{ type: 'dns', value: 'api.openai.com' }]);
  });
  it('lets the default (localhost) certificate cover the loopback IPs too', () => {
    expect(sanEntries('localhost')).toEqual([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
    ]);
  });
});

describe('upstream errors in plain words', () => {
  it.each([
    ['Error: connect ECONNREFUSED 127.0.0.1:1', /refused.*\[ECONNREFUSED\]/],
    ['getaddrinfo ENOTFOUND nope.invalid', /DNS failure.*\[ENOTFOUND\]/],
    ['Error: self-signed certificate', /certificate is not trusted/],
    ['socket hang up', /reset by the server/],
    ['something odd', /^something odd$/],
  ])('%s', (text, words) => {
    expect(describeUpstreamError(text)).toMatch(words);
  });
});

describe('upstream proxy', () => {
  it('uses HTTPS_PROXY and NO_PROXY from the environment', () => {
    const r = upstreamProxy(proxySettings, 8080, { HTTPS_PROXY: 'http://corp:3128', NO_PROXY: 'localhost, .internal' });
    expect(r.setting).toEqual({ proxyUrl: 'http://corp:3128', noProxy: ['localhost', '.internal'] });
  });
  it('ignores a proxy that is Belay itself (would loop) and says why', () => {
    const r = upstreamProxy(proxySettings, 8080, { HTTPS_PROXY: 'http://127.0.0.1:8080' });
    expect(r.setting).toBeUndefined();
    expect(r.warning).toMatch(/Belay itself/);
  });
  it('prefers the setting over the environment', () => {
    const r = upstreamProxy({ ...proxySettings, upstreamProxy: 'http://setting:1' }, 8080, { HTTPS_PROXY: 'http://env:2' });
    expect(r.setting?.proxyUrl).toBe('http://setting:1');
  });
});

describe('belay env', () => {
  const vars = proxyEnvironment('http://127.0.0.1:8080', "/home/o'neil/ca.pem");
  it('sets every variable tools read', () => {
    const names = vars.map(([n]) => n);
    for (const n of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy', 'NO_PROXY', 'no_proxy', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'GIT_SSL_CAINFO', 'CURL_CA_BUNDLE']) {
      expect(names).toContain(n);
    }
  });
  it('quotes for each shell', () => {
    expect(renderEnvironment(vars, 'sh')).toContain(`export NODE_EXTRA_CA_CERTS='/home/o'\\''neil/ca.pem'`);
    expect(renderEnvironment(vars, 'fish')).toContain('set -gx HTTPS_PROXY ');
    expect(renderEnvironment(vars, 'powershell')).toContain(`$env:NODE_EXTRA_CA_CERTS = '/home/o''neil/ca.pem'`);
    expect(renderEnvironment(vars, 'sh', true)).toContain('unset HTTPS_PROXY');
  });
});

describe('small pieces', () => {
  it('a busy port message names the port and the way out', () => {
    expect(portBusyMessage(8080)).toMatch(/8080.*--proxy-port/s);
  });
  it('redaction replaces every occurrence in every string of a JSON body', () => {
    const body = { messages: [{ role: 'user', content: 'key sk-1 and again sk-1' }], n: 1 };
    expect(replaceSecrets(body, ['sk-1'])).toEqual({ messages: [{ role: 'user', content: 'key [REDACTED by Belay] and again [REDACTED by Belay]' }], n: 1 });
  });
  it('settings reject a bad value with a clear path', () => {
    const r = settingsSchema.safeParse({ proxy: { port: 70000 } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path.join('.')).toBe('proxy.port');
  });
});
