import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caSubject } from '../../../core/proxy/ca.js';
import { CHROMIUM, hasChromium } from '../../helpers/browser.js';
import { startTestBelay } from '../../helpers/engine.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { run } from '../../helpers/run.js';
import { openTunnel, tlsOverTunnel } from '../../helpers/tunnel.js';

// TLS on both sides of Belay: HTTP/2 with clients that speak it, the passthrough list,
// a client that does not trust Belay's CA yet, and upstream trust through NODE_EXTRA_CA_CERTS.
let world: ProxyWorld;

beforeAll(async () => {
  world = await startProxyWorld();
});
afterAll(async () => {
  await world?.stop();
});

describe('TLS', () => {
  it('curl --http2 through Belay works (Belay answers HTTP/1.1 to clients that offer both)', async () => {
    const { belay, provider } = world;
    const res = await run('curl', ['-sS', '--http2', '-x', belay.proxy.url, '--cacert', belay.ca.certPath, '-w', '\n%{http_version}', `${provider.url}/curl-h2`]);
    expect(res.stderr).toBe('');
    const [body, version] = res.stdout.split('\n');
    expect(['1.1', '2']).toContain(version);
    expect(JSON.parse(body)).toMatchObject({ path: '/curl-h2' });
  });

  it('a client that speaks only HTTP/2 gets HTTP/2 from Belay, and the request is logged', async () => {
    const { belay, provider } = world;
    const http2 = await import('node:http2');
    const tls = await tlsOverTunnel(await openTunnel(belay.proxy.port, 'localhost', provider.port), { ca: belay.ca.cert, servername: 'localhost', alpn: ['h2'] });
    expect(tls.alpnProtocol).toBe('h2');
    const session = http2.connect(`https://localhost:${provider.port}`, { createConnection: () => tls });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = session.request({ ':method': 'GET', ':path': '/over-h2' });
        let text = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (text += c));
        req.on('end', () => resolve(text));
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toMatchObject({ path: '/over-h2' });
    } finally {
      session.close();
    }
    const [event] = await belay.waitForEvents((e) => e.path === '/over-h2');
    expect(event.status).toBe(200);
  });

  it('an HTTP/2-only client asking with tools offered gets its answer through the tool-use gate, over HTTP/2', async () => {
    const { belay, provider } = world;
    const http2 = await import('node:http2');
    const tls = await tlsOverTunnel(await openTunnel(belay.proxy.port, 'localhost', provider.port), { ca: belay.ca.cert, servername: 'localhost', alpn: ['h2'] });
    const session = http2.connect(`https://localhost:${provider.port}`, { createConnection: () => tls });
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'h2 gate' }], tools: [{ type: 'function', function: { name: 'read_file', parameters: {} } }] });
    try {
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' });
        let status = 0;
        let text = '';
        req.on('response', (h) => (status = Number(h[':status'])));
        req.setEncoding('utf8');
        req.on('data', (c: string) => (text += c));
        req.on('end', () => resolve({ status, text }));
        req.on('error', reject);
        req.end(body);
      });
      expect(answer.status, answer.text).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ object: 'chat.completion' });
    } finally {
      session.close();
    }
    const [event] = await belay.waitForEvents((e) => e.type === 'llm.request' && e.bytesIn === Buffer.byteLength(body));
    expect(event).toMatchObject({ status: 200, data: { toolsOffered: ['read_file'] } });
    expect(event.error).toBeUndefined();
  });

  it('a host on the passthrough list gets its own certificate end to end (Belay does not intercept)', async () => {
    const { provider, providerCa } = world;
    // A second engine that passes localhost through (the list matches the TLS server name).
    const passing = await startTestBelay({ settings: { proxy: { tlsPassthrough: ['localhost'] } } });
    try {
      const socket = await tlsOverTunnel(await openTunnel(passing.proxy.port, 'localhost', provider.port), { ca: providerCa.cert, servername: 'localhost' });
      expect(socket.getPeerCertificate().issuer.CN).toBe(providerCa.name);
      socket.destroy();
    } finally {
      await passing.stop();
    }
    // The engine that inspects localhost presents Belay's certificate for the same server.
    const inspected = await tlsOverTunnel(await openTunnel(world.belay.proxy.port, 'localhost', provider.port), { ca: world.belay.ca.cert, servername: 'localhost' });
    expect(inspected.getPeerCertificate().issuer.CN).toBe(caSubject());
    inspected.destroy();
  });

  // Cursor, VS Code, Windsurf and Claude Desktop are Chromium inside: Chrome's verifier is
  // stricter than OpenSSL's (key usage against the key type, validity caps), so the site
  // certificates are shown to the real one, trusting Belay's CA from its NSS store as a user's
  // \`belay ca install\` leaves it.
  it.runIf(hasChromium && existsSync('/usr/bin/certutil'))('Chromium trusts the site certificates Belay shows it', async () => {
    const { belay, provider } = world;
    const home = mkdtempSync(path.join(os.tmpdir(), 'belay-chromium-home-'));
    const nssdb = path.join(home, '.pki', 'nssdb');
    mkdirSync(nssdb, { recursive: true });
    execFileSync('certutil', ['-N', '-d', `sql:${nssdb}`, '--empty-password']);
    execFileSync('certutil', ['-A', '-d', `sql:${nssdb}`, '-n', 'Belay', '-t', 'C,,', '-i', belay.ca.certPath]);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--proxy-server=${belay.proxy.url}`, '--proxy-bypass-list=<-loopback>'],
      env: { ...process.env, HOME: home },
    });
    try {
      const res = await (await browser.newPage()).goto(`${provider.url}/from-chromium`);
      expect(res?.status()).toBe(200);
      expect((await res?.securityDetails())?.issuer).toBe(new X509Certificate(belay.ca.cert).subject.match(/CN=(.*)/)?.[1]);
    } finally {
      await browser.close();
    }
    const [event] = await belay.waitForEvents((e) => e.path === '/from-chromium');
    expect(event.status).toBe(200);
  });

  it("a client that does not trust Belay's CA fails the handshake, and the log says how to fix it", async () => {
    const { belay, provider } = world;
    const res = await run('curl', ['-sS', '-x', belay.proxy.url, '--cacert', world.providerCa.certFile, `${provider.url}/untrusting-client`]);
    expect(res.code).toBe(60); // curl: peer certificate cannot be authenticated
    const [event] = await belay.waitForEvents((e) => (e.error ?? '').includes("does not trust Belay's CA"));
    expect(event.error).toContain('belay ca');
    expect(event.host).toBe('localhost');
  });
});

describe('upstream trust', () => {
  it('NODE_EXTRA_CA_CERTS given to Belay is honoured for upstream servers (no settings needed)', async () => {
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = world.providerCa.certFile;
    const belay = await startTestBelay();
    try {
      const res = await belay.fetch(`${world.provider.url}/via-extra-ca`, {});
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toMatchObject({ path: '/via-extra-ca' });
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
      await belay.stop();
    }
  });

  it('without it, the same server is refused with a 502 that names the certificate', async () => {
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    delete process.env.NODE_EXTRA_CA_CERTS;
    const belay = await startTestBelay();
    try {
      const res = await belay.fetch(`${world.provider.url}/no-extra-ca`, {});
      expect(res.status).toBe(502);
      expect(await res.text()).toMatch(/certificate is not trusted/);
    } finally {
      if (saved !== undefined) process.env.NODE_EXTRA_CA_CERTS = saved;
      await belay.stop();
    }
  });
});

describe('upstream proxy from the environment', () => {
  it('HTTPS_PROXY that Belay was started with carries its upstream traffic; NO_PROXY hosts go direct', async () => {
    const { startRedirectingProxy } = await import('../../helpers/upstream-proxy.js');
    const upstream = await startRedirectingProxy((host, port) => (host === 'api.openai.com' ? { host: '127.0.0.1', port: world.provider.port } : { host, port }));
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTPS_PROXY = upstream.url;
    process.env.NO_PROXY = 'localhost';
    const belay = await startTestBelay({ settings: { proxy: { extraCaFiles: [world.providerCa.certFile] } } });
    try {
      const viaProxy = await belay.fetch('https://api.openai.com/env-proxied', {});
      expect(viaProxy.status).toBe(200);
      expect(await viaProxy.json()).toMatchObject({ path: '/env-proxied' });
      expect(upstream.connects).toEqual(['api.openai.com:443']);
      const direct = await belay.fetch(`${world.provider.url}/no-proxy-direct`, {});
      expect(direct.status).toBe(200);
      await direct.text();
      expect(upstream.connects).toEqual(['api.openai.com:443']);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await belay.stop();
      await upstream.close();
    }
  });
});
