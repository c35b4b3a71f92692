import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { NewAuditEvent } from '../../shared/events.js';
import type { McpDoor } from '../../core/pipeline/mcp-door.js';
import type { Guard } from '../../core/pipeline/verdict.js';
import { McpRelay } from '../../core/stdio/relay.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FS_SERVER = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
export const EVERYTHING_SERVER = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
export const BELAY_BIN = path.join(ROOT, 'bin', 'belay.js');
export const ECHO_SERVER = path.join(ROOT, 'test', 'helpers', 'stdio-echo-server.mjs');

/** The SDK's stdio framing over any pair of streams, so a real SDK Client can talk to an in-process relay. */
export class StreamTransport implements Transport {
  onmessage?: (m: JSONRPCMessage) => void;
  onerror?: (e: Error) => void;
  onclose?: () => void;
  private readonly buffer = new ReadBuffer();
  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
  ) {}
  async start(): Promise<void> {
    this.input.on('data', (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (;;) {
        const m = this.buffer.readMessage();
        if (!m) break;
        this.onmessage?.(m);
      }
    });
  }
  async send(m: JSONRPCMessage): Promise<void> {
    this.output.write(serializeMessage(m));
  }
  async close(): Promise<void> {
    this.output.end();
    this.onclose?.();
  }
}

export interface RelayedServer {
  client: Client;
  relay: McpRelay;
  child: ChildProcess;
  events: NewAuditEvent[];
  logs: string[];
  /** Raw copilot-side streams, to send bytes the SDK would never send. */
  toRelay: PassThrough;
  fromRelay: PassThrough;
  close(): Promise<void>;
}

/** A real MCP server process, an in-process McpRelay with the given guard, and a real SDK client. */
export async function startRelayedServer(opts: { command: string; args: string[]; guard: Guard; connect?: boolean; door?: McpDoor | Promise<McpDoor>; env?: NodeJS.ProcessEnv }): Promise<RelayedServer> {
  const child = spawn(opts.command, opts.args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
  child.stderr!.resume();
  const events: NewAuditEvent[] = [];
  const logs: string[] = [];
  const relay = new McpRelay({ server: 'test-server', client: 'claude-code', session: 'stdio-test', guard: opts.guard, audit: { append: (e) => ({ id: `ev${events.push(e)}` }) }, log: (m) => logs.push(m), door: opts.door });
  const toRelay = new PassThrough();
  const fromRelay = new PassThrough();
  relay.start({ clientIn: toRelay, clientOut: fromRelay, serverIn: child.stdin!, serverOut: child.stdout! });
  const client = new Client({ name: 'belay-test', version: '1.0.0' });
  if (opts.connect !== false) await client.connect(new StreamTransport(fromRelay, toRelay));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    client,
    relay,
    child,
    events,
    logs,
    toRelay,
    fromRelay,
    async close() {
      toRelay.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs `node bin/belay.js …` (the real CLI) and collects its output. */
export function runBelay(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BELAY_BIN, ...args], { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`belay ${args.join(' ')} did not finish; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
  });
}

/** Compiles the sources so `node bin/belay.js` runs this tree (others' errors elsewhere do not stop emit). */
export function buildOnce(): void {
  const res = spawnSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['tsc', '-b'], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(path.join(ROOT, 'dist', 'core', 'cli', 'commands', 'mcp-wrap.js'))) {
    throw new Error(`npx tsc -b did not produce the CLI:\n${res.stdout}\n${res.stderr}`);
  }
}
