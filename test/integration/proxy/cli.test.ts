import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../helpers/guard-e2e-cli.js';
import { run } from '../../helpers/run.js';

// `belay serve`, `belay env` and `belay ca` as a user runs them: the compiled CLI in its own
// process, with its own data folder.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin', 'belay.js');

function freshHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'belay-cli-test-'));
}

function belay(home: string, args: string[]) {
  return run(process.execPath, [BIN, ...args], { env: { ...process.env, BELAY_HOME: home, NO_COLOR: '1' } });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Serving {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(home: string, args: string[]): Serving {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { ...process.env, BELAY_HOME: home, NO_COLOR: '1', HTTPS_PROXY: '', HTTP_PROXY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor(what: () => boolean, label: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  await buildCli();
}, 180_000);

describe('belay serve', () => {
  let origin: http.Server;
  let originPort: number;
  beforeAll(async () => {
    origin = http.createServer((req, res) => res.end(`hello from ${req.url}`));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    originPort = (origin.address() as AddressInfo).port;
  });
  afterAll(() => {
    origin.closeAllConnections();
    origin.close();
  });

  it('prints the proxy URL and CA path, listens on 127.0.0.1 only, and on SIGTERM exits 0 with the log flushed', async () => {
    const home = freshHome();
    const port = await freePort();
    const s = serve(home, ['--proxy-port', String(port)]);
    try {
      await waitFor(() => s.stdout().includes('Press Ctrl+C'), `serve to start (stderr: ${s.stderr()})`);
      expect(s.stdout()).toContain(`Belay is guarding on http://127.0.0.1:${port}`);
      expect(s.stdout()).toContain(path.join(home, 'ca.pem'));

      // Every socket the process listens on (proxy, control API, anything else) is on loopback.
      const ss = await run('ss', ['-ltnpH']);
      expect(ss.code, ss.stderr).toBe(0);
      const mine = ss.stdout.split('\n').filter((l) => l.includes(`pid=${s.child.pid},`));
      expect(mine.length, ss.stdout).toBeGreaterThanOrEqual(2);
      const addresses = mine.map((l) => l.trim().split(/\s+/)[3]);
      expect(addresses).toContain(`127.0.0.1:${port}`);
      for (const a of addresses) expect(a, `listening socket ${a}`).toMatch(/^127\.0\.0\.1:\d+$/);

      const res = await run('curl', ['-sS', '--noproxy', '', '-x', `http://127.0.0.1:${port}`, `http://127.0.0.1:${originPort}/through-serve`]);
      expect(res.stdout).toBe('hello from /through-serve');

      s.child.kill('SIGTERM');
      const { code } = await s.exit;
      expect(code, s.stderr()).toBe(0);
      expect(s.stderr()).toContain('SIGTERM received');
      // After a clean stop, the request is in the database file.
      const db = new Database(path.join(home, 'belay.db'), { readonly: true });
      try {
        const row = db.prepare("SELECT method, path, status FROM events WHERE path = '/through-serve'").get() as { method: string; status: number } | undefined;
        expect(row).toEqual({ method: 'GET', path: '/through-serve', status: 200 });
      } finally {
        db.close();
      }
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });

  it('a busy port gives a clear error naming the port and --proxy-port, exit 1', async () => {
    const home = freshHome();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const s = serve(home, ['--proxy-port', String(port)]);
      const { code } = await s.exit;
      expect(code).toBe(1);
      expect(s.stderr()).toContain(`Port ${port}`);
      expect(s.stderr()).toContain('--proxy-port');
      expect(s.stderr()).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
    } finally {
      blocker.close();
    }
  });

  it('a bad --proxy-port value is a usage error (exit 2)', async () => {
    const res = await belay(freshHome(), ['serve', '--proxy-port', 'eighty']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/port/i);
  });
});

describe('belay env', () => {
  const REQUIRED = ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'GIT_SSL_CAINFO', 'CURL_CA_BUNDLE'];

  it('sh: evaluating the output sets every variable the issue lists', async () => {
    const home = freshHome();
    const res = await run('sh', ['-c', `eval "$("${process.execPath}" "${BIN}" env --proxy-port 9123)" && env`], { env: { ...process.env, BELAY_HOME: home } });
    expect(res.code, res.stderr).toBe(0);
    const env = Object.fromEntries(res.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    for (const name of REQUIRED) expect(env[name], name).toBeDefined();
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) expect(env[name]).toBe('http://127.0.0.1:9123');
    for (const name of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'GIT_SSL_CAINFO', 'CURL_CA_BUNDLE']) expect(env[name]).toBe(path.join(home, 'ca.pem'));
    expect(env.NO_PROXY.split(',')).toEqual(expect.arrayContaining(['localhost', '127.0.0.1']));
  });

  it('fish and powershell name the same variables', async () => {
    const home = freshHome();
    const fish = await belay(home, ['env', '--shell', 'fish']);
    const ps = await belay(home, ['env', '--shell', 'powershell']);
    for (const name of REQUIRED) {
      expect(fish.stdout).toContain(`set -gx ${name} `);
      expect(ps.stdout).toContain(`$env:${name} = `);
    }
    const bad = await belay(home, ['env', '--shell', 'tcsh']);
    expect(bad.code).toBe(2);
  });
});

describe('belay ca', () => {
  it('ca path prints the PEM path; ca export writes PEM and DER that parse; modes are 0644 / 0600', async () => {
    const home = freshHome();
    const p = await belay(home, ['ca', 'path']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim()).toBe(path.join(home, 'ca.pem'));
    const pem = readFileSync(path.join(home, 'ca.pem'), 'utf8');
    expect(statSync(path.join(home, 'ca.pem')).mode & 0o777).toBe(0o644);
    expect(statSync(path.join(home, 'ca.key')).mode & 0o777).toBe(0o600);
    const x509 = new X509Certificate(pem);
    expect(x509.ca).toBe(true);
    expect(x509.subject).toContain(`Belay local CA (${os.hostname()})`);

    const out = path.join(freshHome(), 'belay-ca.der');
    const der = await belay(home, ['ca', 'export', '--out', out, '--der']);
    expect(der.code, der.stderr).toBe(0);
    const derBytes = readFileSync(out);
    expect(derBytes[0]).toBe(0x30); // ASN.1 SEQUENCE, not "-----BEGIN"
    expect(new X509Certificate(derBytes).fingerprint256).toBe(x509.fingerprint256);
    const viaOpenssl = await run('openssl', ['x509', '-inform', 'DER', '-in', out, '-noout', '-fingerprint', '-sha256']);
    expect(viaOpenssl.stdout.trim().split('=')[1]).toBe(x509.fingerprint256);

    const outPem = path.join(path.dirname(out), 'belay-ca.pem');
    const pemExport = await belay(home, ['ca', 'export', '--out', outPem]);
    expect(pemExport.code, pemExport.stderr).toBe(0);
    expect(readFileSync(outPem, 'utf8')).toBe(pem);

    // The CA is made once: a second run keeps it.
    await belay(home, ['ca', 'path']);
    expect(readFileSync(path.join(home, 'ca.pem'), 'utf8')).toBe(pem);
  });

  it('ca export with a bad --out folder fails with a clear message (exit 1)', async () => {
    const home = freshHome();
    const res = await belay(home, ['ca', 'export', '--out', path.join(home, 'no', 'such', 'dir', 'ca.pem')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/no such|cannot|could not/i);
  });
});

