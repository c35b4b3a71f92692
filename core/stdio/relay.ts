import type { Readable, Writable } from 'node:stream';
import type { NewAuditEvent } from '../../shared/events.js';
import { McpDoor, type McpDoorContext } from '../pipeline/mcp-door.js';
import type { Guard, Verdict } from '../pipeline/verdict.js';
import { idKey, parseJsonRpc, type JsonRpcMessage } from '../protocols/mcp/jsonrpc.js';
import { mcpRefusalFor } from '../protocols/mcp/refusal.js';
import { McpSession, type McpFacts } from '../protocols/mcp/session.js';
import { needsRequestJudgement, needsResponseJudgement, requestAction, responseAction, teachesInventory } from './actions.js';
import { LineSplitter } from './line-splitter.js';
import { mcpExchangeEvent, mcpMessageEvent, type McpExchange } from './mcp-event.js';
import { redactMessage } from './redact-message.js';
import { refusalText } from './refusal-text.js';

/** Where the relay's events go: the audit log, or anything with the same append. */
export interface RelayAudit {
  /** Answers the stored event's id when it has one yet (extra events link back to it). */
  append(e: NewAuditEvent): { id: string } | undefined | void;
}

export interface RelayOptions {
  server: string;
  client: string;
  /** Ties this connection's events together; one per relay process. */
  session: string;
  guard: Guard;
  audit: RelayAudit;
  /** Belay's own diagnostics; the runner sends them to stderr prefixed `belay:`. */
  log: (message: string) => void;
  projectRoot?: string;
  /**
   * The MCP door shared with the proxy (inventory facts for the guard, inventory kept
   * current, event shape). May arrive later (the runner opens SQLite after spawning the
   * server): judgements wait for it, recording is queued until then. Without one, a door
   * with no inventory is used.
   */
  door?: McpDoor | Promise<McpDoor>;
}

type Exchange = McpExchange & { cancelled?: boolean; held?: boolean; extras?: NewAuditEvent[] };

export interface RelayStreams {
  /** From the copilot (our stdin). */
  clientIn: Readable;
  /** To the copilot (our stdout): protocol messages only. */
  clientOut: Writable;
  /** To the real server (its stdin). */
  serverIn: Writable;
  /** From the real server (its stdout). */
  serverOut: Readable;
}

const NL = Buffer.from('\n');

/** Messages Belay does not judge or log on their own: keep-alives and chatter. */
const QUIET_METHODS = new Set(['ping', 'notifications/progress', 'notifications/message', 'notifications/initialized', 'notifications/cancelled']);

/**
 * Relays newline-delimited JSON-RPC between a copilot and a stdio MCP server, judging
 * each tools/call (and resources/read, prompts/get) before the server sees it and each
 * result before the copilot sees it. Messages nobody needs to judge are forwarded at
 * once, byte for byte, so one call held for a human does not hold up the rest. A
 * refused call is answered by the relay (isError result); the server never sees it.
 */
export class McpRelay {
  private readonly mcp = new McpSession();
  private readonly exchanges = new Map<string, Exchange>();
  private readonly ctx: McpDoorContext;
  private door: McpDoor | undefined;
  private readonly doorReady: Promise<McpDoor>;
  /** Work that needs the door, in arrival order, run as soon as it is there. */
  private doorQueue: ((door: McpDoor) => void)[] = [];
  private streams!: RelayStreams;
  private inflight = 0;
  private clientEnded = false;
  private serverInClosed = false;
  private idleWaiters: (() => void)[] = [];
  private drainWaitServerIn = false;
  private drainWaitClientOut = false;
  /** Counters for diagnostics and the bench. */
  readonly stats = { fromClient: 0, fromServer: 0, refused: 0, unreadable: 0 };

  constructor(private readonly opts: RelayOptions) {
    this.mcp.sessionId = opts.session;
    this.ctx = { transport: 'stdio', client: opts.client, server: opts.server, session: this.mcp };
    const door = opts.door ?? new McpDoor(undefined);
    if (door instanceof McpDoor) {
      this.door = door;
      this.doorReady = Promise.resolve(door);
    } else {
      this.doorReady = door.then(
        (d) => this.setDoor(d),
        (err: Error) => {
          this.opts.log(`the MCP inventory is unavailable (${err.message}); tool changes and new servers are not tracked`);
          return this.setDoor(new McpDoor(undefined));
        },
      );
    }
  }

  private setDoor(door: McpDoor): McpDoor {
    this.door = door;
    for (const work of this.doorQueue.splice(0)) this.safely('inventory', () => work(door));
    return door;
  }

  private withDoor(work: (door: McpDoor) => void): void {
    if (this.door) this.safely('inventory', () => work(this.door!));
    else this.doorQueue.push(work);
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.log(`${what} error: ${(err as Error).message}`);
    }
  }

  start(streams: RelayStreams): void {
    this.streams = streams;
    const fromClient = new LineSplitter();
    const fromServer = new LineSplitter();
    streams.clientIn.on('data', (chunk: Buffer) => {
      for (const line of fromClient.push(chunk)) this.onClientLine(line);
    });
    streams.clientIn.on('end', () => {
      const rest = fromClient.flush();
      if (rest && rest.length) this.onClientLine(rest);
      this.clientEnded = true;
      this.maybeEndServerIn();
    });
    streams.serverOut.on('data', (chunk: Buffer) => {
      for (const line of fromServer.push(chunk)) this.onServerLine(line);
    });
    streams.serverOut.on('end', () => {
      const rest = fromServer.flush();
      if (rest && rest.length) this.onServerLine(rest);
    });
    streams.serverIn.on('error', (err: NodeJS.ErrnoException) => {
      // The server closed its stdin (usually: it exited). What it never read is reported by finish().
      if (!this.serverInClosed) this.opts.log(`the server stopped reading its input (${err.code ?? err.message})`);
      this.serverInClosed = true;
    });
    streams.serverIn.on('close', () => {
      this.serverInClosed = true;
    });
  }

  /** Resolves when no message is waiting for a verdict. */
  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Logs every request that never got an answer (the server exited, the copilot left). */
  finish(reason: string): void {
    for (const [key, ex] of this.exchanges) {
      this.exchanges.delete(key);
      this.recordExchange({ ...ex, error: ex.cancelled ? 'cancelled by the client' : reason });
    }
  }

  // ---------------------------------------------------------------- copilot → server

  private onClientLine(line: Buffer): void {
    this.stats.fromClient++;
    const parsed = parseJsonRpc(line.toString('utf8'));
    if (parsed.messages.length === 0) {
      // Not JSON-RPC: pass it on unchanged (the server decides what to do) and say so in the log.
      this.stats.unreadable++;
      this.record(mcpMessageEvent(this.ctx, { direction: 'client-to-server', error: `unreadable message from the client: ${parsed.error}`, bytes: line.length }));
      this.toServer(line);
      return;
    }
    const facts = this.mcp.onClientMessage(parsed.messages);
    if (parsed.error) this.record(mcpMessageEvent(this.ctx, { direction: 'client-to-server', error: parsed.error, bytes: line.length }));
    for (const f of facts) {
      if (f.type === 'request' && f.id !== undefined && f.id !== null && f.kind !== 'mcp.message') {
        this.exchanges.set(idKey(f.id), { request: f, bytesIn: 0, bytesOut: parsed.batch ? 0 : line.length });
      }
      if (f.cancelledId !== undefined) {
        const ex = this.exchanges.get(idKey(f.cancelledId));
        if (ex) ex.cancelled = true;
      }
    }
    const judged = facts.map(needsRequestJudgement);
    if (!judged.includes(true)) {
      this.toServer(line);
      return;
    }
    for (let i = 0; i < facts.length; i++) if (judged[i]) this.exchanges.get(idKey(facts[i].id!))!.held = true;
    this.track(
      this.doorReady.then(async (door) => {
        const actions = facts.map((f, i) => (judged[i] ? this.requestActionOf(f, door) : undefined));
        const verdicts = await Promise.all(actions.map((a) => (a ? this.decide(a) : undefined)));
        this.releaseRequests(line, parsed.messages, parsed.batch, facts, verdicts);
        // Counts the calls in the inventory: after the release (a SQLite write has no place in
        // the call's path) and after the actions (a call must not make its own server "known").
        this.safely('inventory', () => door.observe(facts.filter((_, i) => judged[i]), this.ctx));
      }),
    );
  }

  private releaseRequests(line: Buffer, messages: JsonRpcMessage[], batch: boolean, facts: McpFacts[], verdicts: (Verdict | undefined)[]): void {
    const keep: JsonRpcMessage[] = [];
    const refusals: JsonRpcMessage[] = [];
    let rewritten = false;
    facts.forEach((f, i) => {
      const v = verdicts[i];
      const key = f.id === undefined || f.id === null ? undefined : idKey(f.id);
      const ex = key ? this.exchanges.get(key) : undefined;
      if (ex && v) {
        ex.requestVerdict = v;
        ex.held = false;
      }
      if (ex?.cancelled) {
        // The copilot gave up while we were asking: forward nothing, answer nothing (as the spec asks).
        this.exchanges.delete(key!);
        this.recordExchange({ ...ex, error: 'cancelled by the client before a decision' });
        return;
      }
      if (v && v.outcome === 'deny') {
        const refusal = mcpRefusalFor(f.method ?? '', f.id!, refusalText(v));
        refusals.push(refusal);
        this.stats.refused++;
        this.mcp.onServerMessage(refusal); // so the session forgets the request
        if (ex) {
          this.exchanges.delete(key!);
          this.recordExchange({ ...ex, refused: 'request' });
        }
        return;
      }
      if (v?.redactions?.length) {
        keep.push(redactMessage(messages[i], v.redactions));
        rewritten = true;
      } else keep.push(messages[i]);
    });
    if (keep.length === messages.length && !rewritten) this.toServer(line);
    else if (keep.length) this.toServer(Buffer.from(JSON.stringify(batch ? keep : keep[0])));
    if (refusals.length) this.toClient(Buffer.from(JSON.stringify(batch ? refusals : refusals[0])));
  }

  // ---------------------------------------------------------------- server → copilot

  private onServerLine(line: Buffer): void {
    this.stats.fromServer++;
    const parsed = parseJsonRpc(line.toString('utf8'));
    if (parsed.messages.length === 0) {
      this.stats.unreadable++;
      this.record(mcpMessageEvent(this.ctx, { direction: 'server-to-client', error: `unreadable message from the server: ${parsed.error}`, bytes: line.length }));
      this.toClient(line);
      return;
    }
    const facts = this.mcp.onServerMessage(parsed.messages);
    if (parsed.error) this.record(mcpMessageEvent(this.ctx, { direction: 'server-to-client', error: parsed.error, bytes: line.length }));
    if (facts.some(teachesInventory)) this.observeServer(facts);
    const done: Exchange[] = [];
    for (const f of facts) {
      if ((f.type === 'response' || f.type === 'error') && f.id !== undefined && f.id !== null) {
        const ex = this.exchanges.get(idKey(f.id));
        if (ex && f.matched) {
          ex.response = f;
          ex.bytesIn = parsed.batch ? 0 : line.length;
          if (!needsResponseJudgement(f)) {
            this.exchanges.delete(idKey(f.id));
            done.push(ex);
          }
        }
      } else if (f.type === 'request' || (f.method && !QUIET_METHODS.has(f.method))) {
        // The server asking the copilot for something (sampling, elicitation, roots) or announcing a change.
        this.record(mcpMessageEvent(this.ctx, { direction: 'server-to-client', method: f.method, bytes: line.length, data: f.listChanged ? { listChanged: f.listChanged } : undefined }));
      }
    }
    const judged = facts.map(needsResponseJudgement);
    if (!judged.includes(true)) {
      this.toClient(line);
      for (const ex of done) this.recordExchange(ex);
      return;
    }
    this.track(
      Promise.all(facts.map((f, i) => (judged[i] ? this.decide(responseAction(f, this.ctx, this.opts.projectRoot)) : undefined))).then((verdicts) => {
        const out: JsonRpcMessage[] = [];
        let rewritten = false;
        facts.forEach((f, i) => {
          const v = verdicts[i];
          const key = f.id === undefined || f.id === null ? undefined : idKey(f.id);
          const ex = judged[i] && key ? this.exchanges.get(key) : undefined;
          if (ex && key) {
            this.exchanges.delete(key);
            ex.responseVerdict = v;
          }
          if (v && v.outcome === 'deny') {
            out.push(mcpRefusalFor(f.method ?? '', f.id!, refusalText(v)));
            this.stats.refused++;
            rewritten = true;
            if (ex) ex.refused = 'response';
          } else if (v?.redactions?.length) {
            out.push(redactMessage(parsed.messages[i], v.redactions));
            rewritten = true;
          } else out.push(parsed.messages[i]);
          if (ex) done.push(ex);
        });
        this.toClient(rewritten ? Buffer.from(JSON.stringify(parsed.batch ? out : out[0])) : line);
        for (const ex of done) this.recordExchange(ex);
      }),
    );
  }

  // ---------------------------------------------------------------- inventory

  /** The request's guard action with the inventory's facts; without them (inventory failing) the plain action. */
  private requestActionOf(f: McpFacts, door: McpDoor): Parameters<Guard['decide']>[0] {
    try {
      return requestAction(f, door, this.ctx, this.opts.projectRoot);
    } catch (err) {
      this.opts.log(`inventory error: ${(err as Error).message}; judging without the tool's approved version`);
      return requestAction(f, new McpDoor(undefined), this.ctx, this.opts.projectRoot);
    }
  }

  /**
   * Teaches the inventory who the server is and which tools it offers. The extra events
   * (server.new, tool.changed) are written after the exchange they came from, linked to it.
   */
  private observeServer(facts: McpFacts[]): void {
    const exchanges = facts.map((f) => (f.id !== undefined && f.id !== null ? this.exchanges.get(idKey(f.id)) : undefined));
    this.withDoor((door) => {
      facts.forEach((f, i) => {
        if (!teachesInventory(f)) return;
        const extras = door.observe([f], this.ctx);
        if (!extras.length) return;
        const ex = exchanges[i];
        if (ex) (ex.extras ??= []).push(...extras);
        else for (const e of extras) this.record(e);
      });
    });
  }

  private recordExchange(ex: Exchange): void {
    this.withDoor((door) => {
      const stored = this.record(mcpExchangeEvent(ex, this.ctx, door));
      for (const extra of ex.extras ?? []) this.record(stored ? { ...extra, links: [...(extra.links ?? []), stored.id] } : extra);
    });
  }

  // ---------------------------------------------------------------- plumbing

  /** The guard, failing closed: a guard that throws refuses the message (and says why on stderr). */
  private async decide(action: Parameters<Guard['decide']>[0]): Promise<Verdict> {
    try {
      return await this.opts.guard.decide(action);
    } catch (err) {
      this.opts.log(`the guard failed on ${action.kind}${action.tool ? ` ${action.tool}` : ''}: ${(err as Error).message}; refusing it.`);
      return { outcome: 'deny', decision: 'deny', decidedBy: 'error', reason: 'internal error', risk: 'none', findings: [] };
    }
  }

  private track(p: Promise<void>): void {
    this.inflight++;
    p.catch((err: Error) => this.opts.log(`relay error: ${err.stack ?? err.message}`)).finally(() => {
      this.inflight--;
      if (this.inflight === 0) {
        for (const w of this.idleWaiters.splice(0)) w();
        this.maybeEndServerIn();
      }
    });
  }

  private maybeEndServerIn(): void {
    // The copilot closed our stdin: pass the EOF on once every judged request has been released.
    if (this.clientEnded && this.inflight === 0 && !this.serverInClosed) {
      this.serverInClosed = true;
      this.streams.serverIn.end();
    }
  }

  private toServer(line: Buffer): void {
    const s = this.streams.serverIn;
    if (this.serverInClosed || s.destroyed || s.writableEnded) return;
    s.cork();
    s.write(line);
    const ok = s.write(NL);
    process.nextTick(() => s.uncork());
    if (!ok && !this.drainWaitServerIn) {
      // Backpressure: stop reading the copilot until the server catches up.
      this.drainWaitServerIn = true;
      this.streams.clientIn.pause();
      s.once('drain', () => {
        this.drainWaitServerIn = false;
        this.streams.clientIn.resume();
      });
    }
  }

  private toClient(line: Buffer): void {
    const s = this.streams.clientOut;
    if (s.destroyed || s.writableEnded) return;
    s.cork();
    s.write(line);
    const ok = s.write(NL);
    process.nextTick(() => s.uncork());
    if (!ok && !this.drainWaitClientOut) {
      this.drainWaitClientOut = true;
      this.streams.serverOut.pause();
      s.once('drain', () => {
        this.drainWaitClientOut = false;
        this.streams.serverOut.resume();
      });
    }
  }

  private record(e: NewAuditEvent): { id: string } | undefined {
    try {
      return this.opts.audit.append(e) ?? undefined;
    } catch (err) {
      this.opts.log(`could not record an event in the audit log: ${(err as Error).message}`);
      return undefined;
    }
  }
}
