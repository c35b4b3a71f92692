import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.js';

/**
 * `belay serve` as its own process (the compiled CLI), for fault tests that must kill it
 * for real (SIGKILL) or hold its database from outside. Run `buildCli()` first.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'belay.js');

export interface ServeChild {
  child: ChildProcess;
  port: number;
  home: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A fresh data folder with settings.json and (optionally) policy.yaml written. */
export function makeHome(opts: { settings?: Record<string, unknown>; policy?: string; home?: string } = {}): string {
  const home = opts.home ?? mkdtempSync(path.join(os.tmpdir(), 'belay-faults-'));
  mkdirSync(home, { recursive: true, mode: 0o700 });
  if (opts.settings) writeFileSync(path.join(home, 'settings.json'), JSON.stringify(opts.settings, null, 2));
  if (opts.policy) writeFileSync(path.join(home, 'policy.yaml'), opts.policy);
  return home;
}

export function serveEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, BELAY_HOME: home, NO_COLOR: '1', HTTPS_PROXY: '', HTTP_PROXY: '', https_proxy: '', http_proxy: '', ...extra };
}

export async function startServe(home: string, opts: { port?: number; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ServeChild> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, [BIN, 'serve', '--proxy-port', String(port)], { env: serveEnv(home, opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (!out.includes('Belay is guarding on')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`belay serve exited before listening (${child.exitCode ?? child.signalCode}):\n${err}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`belay serve did not start listening:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    port,
    home,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The compiled CLI against a data folder. */
export function belayIn(home: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}) {
  return run(process.execPath, [BIN, ...args], { env: serveEnv(home, opts.env), timeoutMs: opts.timeoutMs ?? 30_000, input: opts.input });
}
