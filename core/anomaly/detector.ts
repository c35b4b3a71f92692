import type { AuditEvent } from '../../shared/events.js';
import type { Database } from '../audit/database.js';
import type { Settings } from '../settings.js';
import type { AlertStore } from './alert-store.js';
import { Baselines, type MetricState } from './baselines.js';

export type AnomalySettings = Settings['anomaly'];

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Belay's own events are not client behaviour. */
const SKIP_TYPES = new Set(['alert', 'system', 'siem.dropped', 'approval']);
/** Host/tool triples remembered as already recorded (a bound on memory; past it, the table answers). */
const MAX_SEEN_CACHED = 50_000;

/**
 * Unusual client behaviour, from audit events in time order: first contact with a host,
 * first call of an MCP tool, a burst of calls or errors in a minute, a burst of tokens in
 * an hour, each against the client's own baseline. State lives in SQLite so baselines
 * survive restarts; alerts go through the AlertStore (one per condition per window).
 */
export class AnomalyDetector {
  private readonly baselines: Baselines;
  private readonly firstSeenStmt;
  private readonly addClient;
  private readonly seenInsert;
  private readonly seenTouch;
  /** Clients' first_seen, once read (it never changes). */
  private readonly firstSeen = new Map<string, number>();
  /** (client, kind, value) triples known to have a row in anomaly_seen. */
  private readonly seen = new Set<string>();
  /** Uses of known triples since the last flush: one UPDATE each at flush, not one per event. */
  private readonly touches = new Map<string, { client: string; kind: string; value: string; last: number; count: number }>();

  constructor(
    db: Database,
    private readonly alerts: Pick<AlertStore, 'raise'>,
    private readonly settings: () => AnomalySettings,
  ) {
    this.baselines = new Baselines(db);
    this.addClient = db.prepare('INSERT OR IGNORE INTO anomaly_clients (client, first_seen) VALUES (?, ?)');
    this.firstSeenStmt = db.prepare('SELECT first_seen AS firstSeen FROM anomaly_clients WHERE client = ?');
    this.seenInsert = db.prepare('INSERT OR IGNORE INTO anomaly_seen (client, kind, value, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)');
    this.seenTouch = db.prepare('UPDATE anomaly_seen SET last_seen = max(last_seen, ?), count = count + ? WHERE client = ? AND kind = ? AND value = ?');
  }

  /** Feeds one event. `silent` learns without alerting (replaying history on first start). */
  observe(e: AuditEvent, silent = false): void {
    const opts = this.settings();
    if (!opts.enabled || e.protocol === 'belay' || SKIP_TYPES.has(e.type) || e.client === 'belay') return;
    const at = Date.parse(e.time);
    if (!Number.isFinite(at)) return;
    const firstSeen = this.clientFirstSeen(e.client, at);
    const learning = silent || at - firstSeen < opts.learningHours * HOUR;

    if (e.transport === 'proxy' && e.host && this.firstTime(e.client, 'host', e.host.toLowerCase(), at) && !learning && opts.newHost) {
      this.alerts.raise({
        kind: 'new-host',
        client: e.client,
        subject: e.host.toLowerCase(),
        severity: 'medium',
        at,
        host: e.host,
        links: [e.id],
        message: `${e.client} contacted ${e.host} for the first time.`,
      });
    }
    if (e.type === 'mcp.tool_call' && e.tool) {
      const tool = `${e.server ?? '?'}/${e.tool}`;
      if (this.firstTime(e.client, 'tool', tool, at) && !learning && opts.newTool) {
        this.alerts.raise({
          kind: 'new-tool',
          client: e.client,
          subject: tool,
          severity: 'low',
          at,
          server: e.server,
          tool: e.tool,
          links: [e.id],
          message: `${e.client} called MCP tool ${e.tool}${e.server ? ` on ${e.server}` : ''} for the first time.`,
        });
      }
    }

    const minute = Math.floor(at / MINUTE);
    const calls = this.baselines.bump(e.client, 'calls', minute, 1);
    const failed = (e.status !== undefined && e.status >= 400) || Boolean(e.error) ? 1 : 0;
    const errors = this.baselines.bump(e.client, 'errors', minute, failed);
    if (!silent) {
      this.spike(e, calls, opts.minCallsPerMinute, 'call-spike', 'calls', (n, base) => `${e.client} made ${n} calls in one minute (baseline ${base.toFixed(1)} per active minute).`);
      if (failed) this.spike(e, errors, opts.minErrorsPerMinute, 'error-spike', 'errors', (n, base) => `${e.client} had ${n} failed calls in one minute (baseline ${base.toFixed(1)}).`);
    }
    const usage = e.type === 'llm.request' ? (e.data?.usage as { inputTokens?: number; outputTokens?: number } | undefined) : undefined;
    if (usage) {
      const tokens = this.baselines.bump(e.client, 'tokens', Math.floor(at / HOUR), (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0));
      if (!silent) this.spike(e, tokens, opts.minTokensPerHour, 'token-spike', 'tokens', (n, base) => `${e.client} used ${n} tokens in one hour (baseline ${Math.round(base)} per active hour).`);
    }
  }

  /**
   * Writes what observe() kept in memory since the last flush (baselines, last use and use
   * counts of hosts and tools). The monitor calls it in each batch's transaction.
   */
  flush(): void {
    this.baselines.flush();
    for (const t of this.touches.values()) this.seenTouch.run(t.last, t.count, t.client, t.kind, t.value);
    this.touches.clear();
  }

  /** Drops everything cached, after a batch was rolled back: it is read again from the database. */
  forget(): void {
    this.baselines.forget();
    this.firstSeen.clear();
    this.seen.clear();
    this.touches.clear();
  }

  private clientFirstSeen(client: string, at: number): number {
    let first = this.firstSeen.get(client);
    if (first === undefined) {
      this.addClient.run(client, at);
      first = (this.firstSeenStmt.get(client) as { firstSeen: number }).firstSeen;
      this.firstSeen.set(client, first);
    }
    return first;
  }

  /** True the first time this client is seen with this host/tool. */
  private firstTime(client: string, kind: string, value: string, at: number): boolean {
    const key = `${client}\u0000${kind}\u0000${value}`;
    if (!this.seen.has(key)) {
      if (this.seen.size >= MAX_SEEN_CACHED) this.seen.clear();
      this.seen.add(key);
      if (this.seenInsert.run(client, kind, value, at, at).changes > 0) return true;
    }
    const touch = this.touches.get(key);
    if (touch) {
      touch.last = Math.max(touch.last, at);
      touch.count += 1;
    } else {
      this.touches.set(key, { client, kind, value, last: at, count: 1 });
    }
    return false;
  }

  /** Reports once per bucket when the open bucket passes both the floor and factor × baseline. */
  private spike(e: AuditEvent, s: MetricState, floor: number, kind: 'call-spike' | 'error-spike' | 'token-spike', subject: string, words: (n: number, base: number) => string): void {
    const opts = this.settings();
    if (s.samples < opts.minSamples || s.reported === s.bucket) return;
    if (s.current < floor || s.current <= opts.spikeFactor * s.ewma) return;
    s.reported = s.bucket;
    this.alerts.raise({
      kind,
      client: e.client,
      subject,
      severity: 'medium',
      at: Date.parse(e.time),
      links: [e.id],
      message: words(s.current, s.ewma),
      data: { observed: s.current, baseline: Math.round(s.ewma * 100) / 100, factor: opts.spikeFactor },
    });
  }
}
