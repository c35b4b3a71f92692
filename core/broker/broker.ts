import type { AuditEvent } from '../../shared/events.js';
import type { AlertStore } from '../anomaly/alert-store.js';
import type { SyntheticResponse } from '../proxy/analyzer.js';
import { refusalReason, type KeyRecord, type KeyRegistry } from './key-registry.js';
import { carriesPlaceholder, placeholderNames, swapHeaders, swapUrl } from './placeholder.js';
import { brokerRefusal } from './refusal.js';
import { RealKeySpotter } from './real-key-spotter.js';
import type { SecretStore, SecretStoreKind } from './secret-store.js';

type Headers = Record<string, string | string[] | undefined>;

/** The request as the proxy sees it (placeholders still in it). */
export interface BrokerRequest {
  method: string;
  url: string;
  host: string;
  port?: number;
  /** Path with query. */
  path: string;
  headers: Headers;
  client: string;
}

export type BrokerDecision =
  | { ok: true; headers: Headers; url?: string; keys: string[] }
  | { ok: false; response: SyntheticResponse; reason: string; keys: string[] };

export interface BrokerDeps {
  registry: KeyRegistry;
  storeFor(kind: SecretStoreKind): SecretStore;
  alerts: Pick<AlertStore, 'raise'>;
  /** Flag copilots that hold real keys (settings.broker.flagRealKeys). */
  flagRealKeys: boolean;
  warn(message: string): void;
  now?: () => number;
}

/** The audit-event field the proxy tags brokered flows with (key names, never values). */
export const BROKER_KEYS_FIELD = 'brokerKeys';

/**
 * The credential broker at the proxy: swaps `belay-key:NAME` placeholders for the real
 * key on the key's allowed hosts and clients, refuses everything else (off-route use is
 * also an alert), and spots copilots that send real keys. Key values are held in memory
 * only, per key version, so a rotate or revoke in any process takes effect on the next
 * request.
 */
export class CredentialBroker {
  private readonly cache = new Map<string, { version: number; value: string }>();
  /** Uses not yet written: the proxy never waits on a database write (flushUses() writes them). */
  private readonly uses = new Map<string, { count: number; lastAt: number }>();
  private readonly spotter: RealKeySpotter;
  private readonly now: () => number;

  constructor(private readonly deps: BrokerDeps) {
    this.now = deps.now ?? Date.now;
    this.spotter = new RealKeySpotter(deps.alerts, this.now);
  }

  /** Head-only check for the proxy's rule matcher. */
  carriesPlaceholder(url: string, headers: Headers): boolean {
    return carriesPlaceholder(url, headers);
  }

  async resolve(req: BrokerRequest): Promise<BrokerDecision> {
    const names = placeholderNames(req.url, req.headers);
    const refuse = (status: number, reason: string): BrokerDecision => ({ ok: false, reason, keys: names, response: brokerRefusal(req, status, reason) });
    if (names.length === 0) return refuse(400, 'The request carries a malformed Belay key placeholder (expected belay-key:NAME).');
    const values = new Map<string, string>();
    const now = this.now();
    for (const name of names) {
      const rec = this.deps.registry.get(name);
      if (!rec) return refuse(403, `There is no Belay key named "${name}". See \`belay keys list\`, or add it with \`belay keys add ${name} --host …\`.`);
      const why = refusalReason(rec, req, this.deps.registry.spend(name, now), now);
      if (why) {
        if (why.offRoute) {
          this.deps.alerts.raise({
            kind: 'key-off-route',
            client: req.client,
            subject: `${name} → ${req.host}`,
            severity: 'high',
            at: now,
            host: req.host,
            message: `${req.client} tried to use Belay key "${name}" off its route (${req.method} ${req.host}); refused. Allowed hosts: ${rec.hosts.join(', ')}${rec.clients.length ? `; clients: ${rec.clients.join(', ')}` : ''}.`,
            data: { key: name },
          });
        }
        return refuse(why.status, why.reason);
      }
      let value: string | undefined;
      try {
        value = await this.value(rec);
      } catch (err) {
        this.deps.warn(`could not read Belay key "${name}": ${(err as Error).message}`);
        return refuse(502, `Belay could not read key "${name}" from its store: ${(err as Error).message}`);
      }
      if (value === undefined) return refuse(403, `Belay key "${name}" has no value in its store (${rec.store}). Store it again with \`belay keys rotate ${name}\`.`);
      values.set(name, value);
    }
    for (const name of names) {
      const u = this.uses.get(name) ?? { count: 0, lastAt: now };
      u.count += 1;
      u.lastAt = Math.max(u.lastAt, now);
      this.uses.set(name, u);
    }
    return { ok: true, keys: names, headers: swapHeaders(req.headers, values), url: swapUrl(req.url, values) };
  }

  /** Every proxied request: flag a real provider key sent by a copilot. */
  inspectHead(req: { url: string; host: string; headers: Headers; client: string }): void {
    if (!this.deps.flagRealKeys) return;
    try {
      this.spotter.inspect(req);
    } catch (err) {
      this.deps.warn(`real-key check failed: ${(err as Error).message}`);
    }
  }

  /** Writes the queued uses (last used, requests today). Called on a timer and at stop. */
  flushUses(): void {
    for (const [name, u] of [...this.uses]) {
      this.uses.delete(name);
      try {
        this.deps.registry.noteUse(name, u.lastAt, u.count);
      } catch (err) {
        this.deps.warn(`could not record the use of key "${name}": ${(err as Error).message}`);
      }
    }
  }

  /** From the audit feed: charges a finished brokered request's tokens and cost to its keys. */
  recordUsage(e: AuditEvent): void {
    const keys = e.data?.[BROKER_KEYS_FIELD];
    if (!Array.isArray(keys) || keys.length === 0) return;
    const usage = e.data.usage as { inputTokens?: number; outputTokens?: number } | undefined;
    const tokens = (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
    const cost = typeof e.data.costUsd === 'number' ? e.data.costUsd : 0;
    if (tokens === 0 && cost === 0) return;
    for (const k of keys) if (typeof k === 'string') this.deps.registry.addSpend(k, Date.parse(e.time), tokens, cost);
  }

  private async value(rec: KeyRecord): Promise<string | undefined> {
    const hit = this.cache.get(rec.name);
    if (hit && hit.version === rec.version) return hit.value;
    const value = await this.deps.storeFor(rec.store).get(rec.name);
    if (value !== undefined) this.cache.set(rec.name, { version: rec.version, value });
    else this.cache.delete(rec.name);
    return value;
  }
}
