import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProxyAgent } from 'undici';

/**
 * `belay serve` as a user runs it: the compiled CLI in its own process over a data folder,
 * with the dashboard URL read from what it prints. The test drives traffic through its
 * proxy from this process and looks at the dashboard in Chromium.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'belay.js');

export interface ServedBelay {
  home: string;
  proc: ChildProcess;
  proxyUrl: string;
  /** The URL `belay serve` printed, token in the fragment. */
  dashboardUrl: string;
  /** The control API base URL (no token). */
  controlUrl: string;
  token: string;
  /** An undici dispatcher through Belay's proxy that trusts Belay's CA. */
  dispatcher: ProxyAgent;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** GET/POST the control API with the token, as the CLI would. */
  api<T>(method: string, route: string, body?: unknown): Promise<{ status: number; json: T }>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (`belay serve --proxy-port` takes 1–65535, not 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startServedBelay(opts: { home: string; settings?: Record<string, unknown>; timeoutMs?: number }): Promise<ServedBelay> {
  mkdirSync(opts.home, { recursive: true, mode: 0o700 });
  if (opts.settings) writeFileSync(path.join(opts.home, 'settings.json'), JSON.stringify(opts.settings, null, 2));
  const port = await freePort();
  const proc = spawn(process.execPath, [BIN, 'serve', '--proxy-port', String(port)], {
    env: { ...process.env, BELAY_HOME: opts.home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));

  const dashboardUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`belay serve printed no dashboard URL within ${opts.timeoutMs ?? 20_000} ms:\n${out}`)), opts.timeoutMs ?? 20_000);
    const check = () => {
      const m = /dashboard\s*:\s*(http:\/\/127\.0\.0\.1:\d+\/\S*#token=\S+)/.exec(out);
      if (m) done(undefined, m[1]);
    };
    const exited = (code: number | null) => done(new Error(`belay serve exited (${code}) before it was ready:\n${out}`));
    const done = (err?: Error, url?: string) => {
      clearTimeout(timer);
      proc.stdout.off('data', check);
      proc.off('exit', exited);
      if (err) reject(err);
      else resolve(url!);
    };
    proc.stdout.on('data', check);
    proc.once('exit', exited);
  }).catch((err: Error) => {
    proc.kill('SIGKILL');
    throw err;
  });

  const controlUrl = new URL(dashboardUrl).origin;
  const token = new URLSearchParams(new URL(dashboardUrl).hash.slice(1)).get('token') ?? '';
  const ca = readFileSync(path.join(opts.home, 'ca.pem'), 'utf8');
  const dispatcher = new ProxyAgent({ uri: `http://127.0.0.1:${port}`, requestTls: { ca } });

  return {
    home: opts.home,
    proc,
    proxyUrl: `http://127.0.0.1:${port}`,
    dashboardUrl,
    controlUrl,
    token,
    dispatcher,
    output: () => out,
    async api<T>(method: string, route: string, body?: unknown) {
      const res = await fetch(`${controlUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as T };
    },
    async stop() {
      await dispatcher.close().catch(() => undefined);
      if (proc.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}
