import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { NewAuditEvent } from '../../shared/events.js';
import { belayPaths } from '../paths.js';
import type { McpDoor } from '../pipeline/mcp-door.js';
import type { Guard, Verdict } from '../pipeline/verdict.js';
import { McpRelay, type RelayAudit } from './relay.js';

export interface McpWrapOptions {
  server: string;
  client: string;
  command: string;
  args: string[];
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function log(message: string): void {
  process.stderr.write(`belay: ${message}\n`);
}

/**
 * Events queued until the audit log is open: the server is spawned first (so it starts
 * while we load SQLite and the guard) and its first messages must not wait for us.
 */
class DeferredAudit implements RelayAudit {
  private queue: NewAuditEvent[] = [];
  private target: (RelayAudit & { close?(): void }) | undefined;
  append(e: NewAuditEvent): { id: string } | undefined {
    if (this.target) return this.target.append(e) ?? undefined;
    this.queue.push(e);
    return undefined;
  }
  attach(target: RelayAudit & { close?(): void }): void {
    this.target = target;
    for (const e of this.queue.splice(0)) target.append(e);
  }
  close(): void {
    try {
      this.target?.close?.();
    } catch (err) {
      log(`the audit log could not be flushed: ${(err as Error).message}`);
    }
  }
}

/** Judgements wait here until the real guard is loaded (a few ms after start). */
class DeferredGuard implements Guard {
  private ready: Promise<Guard>;
  private resolve!: (g: Guard) => void;
  constructor() {
    this.ready = new Promise((r) => (this.resolve = r));
  }
  set(g: Guard): void {
    this.resolve(g);
  }
  async decide(action: Parameters<Guard['decide']>[0]): Promise<Verdict> {
    return (await this.ready).decide(action);
  }
}

/**
 * `belay mcp-wrap`: runs the real server as a child and relays its stdio through the
 * guard. Resolves with the exit code to use; a server killed by a signal makes us die
 * of the same signal, so the copilot sees what it would have seen without Belay.
 */
export async function runMcpWrap(opts: McpWrapOptions): Promise<number> {
  const child = spawn(opts.command, opts.args, { stdio: ['pipe', 'pipe', 'inherit'], env: process.env, cwd: process.cwd(), windowsHide: true });
  const session = `stdio-${randomBytes(8).toString('hex')}`;
  const audit = new DeferredAudit();
  const guard = new DeferredGuard();
  let setDoor!: (door: McpDoor) => void;
  const door = new Promise<McpDoor>((resolve) => (setDoor = resolve));
  const cwd = process.cwd();
  const relay = new McpRelay({
    server: opts.server,
    client: opts.client,
    session,
    guard,
    audit,
    log,
    door,
    // A copilot started from a dock runs servers in / or the home folder: no project there.
    projectRoot: cwd !== '/' && cwd !== os.homedir() ? cwd : undefined,
  });

  const spawnError = new Promise<number>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'ENOENT' ? 'not found: check the command and PATH in the client config' : err.code === 'EACCES' ? 'not executable' : err.message;
      log(`cannot start MCP server "${opts.server}" (${opts.command}): ${hint}`);
      resolve(err.code === 'ENOENT' ? 127 : 126);
    });
  });

  relay.start({ clientIn: process.stdin, clientOut: process.stdout, serverIn: child.stdin!, serverOut: child.stdout! });

  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const handlers = FORWARDED_SIGNALS.map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);

  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // The copilot closed its end: nobody reads the server's answers any more.
    log(`the client stopped reading (${err.code ?? err.message}); stopping the server`);
    forward('SIGTERM')();
  });

  const setup = (async () => {
    const paths = belayPaths();
    const [{ AuditLog, EVENT_LOOP_BUSY_TIMEOUT_MS }, { loadSettings }, { connectControl }, { RemoteApprovals }, { createStdioGuard }, { McpDoor }, { Inventory }] = await Promise.all([
      import('../audit/audit-log.js'),
      import('../settings.js'),
      import('../control/client.js'),
      import('./remote-approvals.js'),
      import('./relay-guard.js'),
      import('../pipeline/mcp-door.js'),
      import('../inventory/inventory.js'),
    ]);
    let askWhenOffline: 'deny' | 'allow' = 'deny';
    try {
      askWhenOffline = loadSettings(paths).stdio.askWhenOffline;
    } catch (err) {
      log(`${(err as Error).message} Using safe defaults.`);
    }
    let auditLog: import('../audit/audit-log.js').AuditLog | undefined;
    try {
      auditLog = AuditLog.open(paths.database, { eventLoopBusyTimeoutMs: EVENT_LOOP_BUSY_TIMEOUT_MS, onError: (err: Error) => log(`audit log: ${err.message}`) });
      audit.attach(auditLog);
    } catch (err) {
      log(`cannot open the audit log at ${paths.database}: ${(err as Error).message}. Calls are still judged but not recorded.`);
      audit.attach({ append: () => undefined });
    }
    // The same inventory the proxy keeps (in the audit database): approved tool versions,
    // servers already seen. Without the database the relay judges without them.
    setDoor(new McpDoor(auditLog ? new Inventory(auditLog.db) : undefined));
    const approvals = new RemoteApprovals({ connect: () => connectControl(paths), log });
    process.stdin.once('end', () => approvals.abortAll());
    guard.set(createStdioGuard({ paths, approvals, audit: auditLog, allowAskWhenOffline: askWhenOffline === 'allow', log }));
  })().catch((err: Error) => {
    // Fail closed: without a guard every judged call is refused (the relay's decide() catches the throw).
    log(`could not start the guard: ${err.message}`);
    guard.set({ decide: () => Promise.reject(err) });
    void import('../pipeline/mcp-door.js').then(({ McpDoor }) => setDoor(new McpDoor(undefined)));
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const outcome = await Promise.race([exited, spawnError.then((code) => ({ code, signal: null }))]);
  await setup;
  // Answers already read from the server are still being judged: let them out (bounded).
  await Promise.race([relay.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
  relay.finish(outcome.signal ? `the server was killed by ${outcome.signal} before answering` : `the server exited (code ${outcome.code}) before answering`);
  audit.close();
  for (const [s, h] of handlers) process.off(s, h);
  await new Promise<void>((resolve) => (process.stdout.writableLength === 0 ? resolve() : process.stdout.once('drain', () => resolve())));
  if (outcome.signal) {
    process.kill(process.pid, outcome.signal);
    // Not every signal kills (e.g. SIGHUP may be ignored by the parent's setup): fall back to 128+n.
    return 128 + (os.constants.signals[outcome.signal] ?? 0);
  }
  return outcome.code ?? 1;
}
