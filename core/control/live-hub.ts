import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusResponse, StreamMessage } from '../../shared/api.js';
import type { ControlServices } from './services.js';
import { statusKey } from './status.js';

export interface LiveHubOptions {
  /** How often the database is tailed for new events (ms). */
  pollMs?: number;
  /** How often status is recomputed for change detection (ms). */
  statusMs?: number;
  heartbeatMs?: number;
  /** A client whose unsent output grows past this is dropped (it reconnects with Last-Event-ID). */
  maxBufferedBytes?: number;
  /** Most events replayed to a reconnecting client; older gaps are fetched with GET /api/events. */
  maxReplay?: number;
  onError?: (err: unknown) => void;
}

const BATCH = 500;

/**
 * The live stream behind GET /api/events/stream (SSE). New audit events are found by
 * tailing the database by seq, so events committed by other processes (every
 * `belay mcp-wrap`) reach the dashboard exactly like the proxy's own. One tail serves
 * all clients; each frame carries `id: <seq>` so a reconnect resumes without a gap.
 */
export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private cursor = 0;
  private lastStatusKey = '';
  private timers: NodeJS.Timeout[] = [];
  private unsubscribers: (() => void)[] = [];
  private readonly opts: Required<Omit<LiveHubOptions, 'onError'>> & Pick<LiveHubOptions, 'onError'>;

  constructor(
    private readonly services: ControlServices,
    private readonly status: () => StatusResponse,
    opts: LiveHubOptions = {},
  ) {
    this.opts = { pollMs: 100, statusMs: 1000, heartbeatMs: 15_000, maxBufferedBytes: 4 * 1024 * 1024, maxReplay: 2000, ...opts };
    const approvals = services.approvals;
    if (approvals) {
      this.unsubscribers.push(
        approvals.subscribe((change) => {
          this.broadcast({ type: 'approval', change: change.type, approval: change.approval });
          this.checkStatus();
        }),
      );
    }
    const policy = services.policy;
    if (policy?.subscribe) this.unsubscribers.push(policy.subscribe(() => this.broadcast({ type: 'policy', changed: true })));
  }

  get size(): number {
    return this.clients.size;
  }

  /** Adds an SSE client. `lastEventId` (a seq) replays what it missed. */
  add(req: IncomingMessage, res: ServerResponse, lastEventId?: number): void {
    if (this.clients.size === 0) this.start();
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    const status = this.status();
    this.send(res, { type: 'hello', lastSeq: this.cursor, status });
    if (lastEventId !== undefined && lastEventId < this.cursor) {
      const missed = this.services.events.readSince(lastEventId, this.opts.maxReplay).filter((e) => e.seq <= this.cursor);
      for (const event of missed) this.send(res, { type: 'event', event }, event.seq);
    }
    this.clients.add(res);
    const drop = () => this.remove(res);
    req.on('close', drop);
    res.on('error', drop);
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const u of this.unsubscribers) u();
    this.unsubscribers = [];
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private remove(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private start(): void {
    // Start from the current head: a fresh client loads history with GET /api/events.
    this.cursor = this.services.events.stats().lastSeq;
    this.lastStatusKey = statusKey(this.status());
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(() => {
        try {
          fn();
        } catch (err) {
          this.opts.onError?.(err);
        }
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.pollMs, () => this.poll());
    every(this.opts.statusMs, () => this.checkStatus());
    every(this.opts.heartbeatMs, () => {
      for (const res of this.clients) res.write(': ping\n\n');
    });
  }

  private stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Reads what was committed since the cursor, a bounded number of batches per tick. */
  poll(): void {
    if (this.clients.size === 0) return;
    for (let i = 0; i < 10; i++) {
      const events = this.services.events.readSince(this.cursor, BATCH);
      for (const event of events) {
        this.cursor = Math.max(this.cursor, event.seq);
        this.broadcast({ type: 'event', event }, event.seq);
      }
      if (events.length < BATCH) break;
    }
  }

  checkStatus(): void {
    if (this.clients.size === 0) return;
    const status = this.status();
    const key = statusKey(status);
    if (key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    this.broadcast({ type: 'status', status });
  }

  broadcast(msg: StreamMessage, id?: number): void {
    for (const res of this.clients) this.send(res, msg, id);
  }

  private send(res: ServerResponse, msg: StreamMessage, id?: number): void {
    if (res.writableLength > this.opts.maxBufferedBytes) {
      // A stalled reader must not make Belay hold unbounded memory; it reconnects and resumes.
      this.opts.onError?.(new Error('live stream client too slow; disconnected'));
      res.destroy();
      this.remove(res);
      return;
    }
    const idLine = id !== undefined ? `id: ${id}\n` : '';
    res.write(`${idLine}event: ${msg.type}\ndata: ${JSON.stringify(msg)}\n\n`);
  }
}
