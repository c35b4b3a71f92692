import type { Database } from '../audit/database.js';
import { globMatch } from '../policy/glob.js';
import { checkKeyName, type SecretStoreKind } from './secret-store.js';

/**
 * Brokered keys' metadata in SQLite (migration 006). The value is never here: only which
 * store holds it and its last 4 characters, for display.
 */
export interface KeyRecord {
  name: string;
  store: SecretStoreKind;
  /** Host globs the key may be sent to (api.openai.com, *.openai.azure.com). */
  hosts: string[];
  /** Client ids (globs) that may use it; empty = any client. */
  clients: string[];
  expiresAt?: number;
  budgetUsd?: number;
  budgetTokens?: number;
  revokedAt?: number;
  createdAt: number;
  rotatedAt?: number;
  lastUsedAt?: number;
  last4?: string;
  /** Grows on rotate: cached values of an older version are stale. */
  version: number;
}

export interface KeySpend {
  requests: number;
  tokens: number;
  costUsd: number;
}

interface Row {
  name: string;
  store: string;
  hosts: string;
  clients: string;
  expires_at: number | null;
  budget_usd: number | null;
  budget_tokens: number | null;
  revoked_at: number | null;
  created_at: number;
  rotated_at: number | null;
  last_used_at: number | null;
  last4: string | null;
  version: number;
}

function fromRow(r: Row): KeyRecord {
  const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
  return {
    name: r.name,
    store: r.store as SecretStoreKind,
    hosts: JSON.parse(r.hosts) as string[],
    clients: JSON.parse(r.clients) as string[],
    expiresAt: opt(r.expires_at),
    budgetUsd: opt(r.budget_usd),
    budgetTokens: opt(r.budget_tokens),
    revokedAt: opt(r.revoked_at),
    createdAt: r.created_at,
    rotatedAt: opt(r.rotated_at),
    lastUsedAt: opt(r.last_used_at),
    last4: opt(r.last4),
    version: r.version,
  };
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The last 4 characters, and only when the key is long enough that they give nothing away. */
export function lastFour(value: string): string | undefined {
  return value.length >= 20 ? value.slice(-4) : undefined;
}

export class KeyRegistry {
  constructor(private readonly db: Database) {}

  get(name: string): KeyRecord | undefined {
    const row = this.db.prepare('SELECT * FROM broker_keys WHERE name = ?').get(name) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  list(): KeyRecord[] {
    return (this.db.prepare('SELECT * FROM broker_keys ORDER BY name').all() as Row[]).map(fromRow);
  }

  add(rec: Omit<KeyRecord, 'version' | 'createdAt'> & { createdAt?: number }): KeyRecord {
    checkKeyName(rec.name);
    this.db
      .prepare(
        `INSERT INTO broker_keys (name, store, hosts, clients, expires_at, budget_usd, budget_tokens, revoked_at, created_at, last4, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 1)`,
      )
      .run(rec.name, rec.store, JSON.stringify(rec.hosts), JSON.stringify(rec.clients), rec.expiresAt ?? null, rec.budgetUsd ?? null, rec.budgetTokens ?? null, rec.createdAt ?? Date.now(), rec.last4 ?? null);
    return this.get(rec.name) as KeyRecord;
  }

  /** A new value was stored: bump the version (drops every cached copy) and un-revoke. */
  rotated(name: string, last4: string | undefined, at = Date.now()): void {
    this.db.prepare('UPDATE broker_keys SET version = version + 1, rotated_at = ?, last4 = ?, revoked_at = NULL WHERE name = ?').run(at, last4 ?? null, name);
  }

  update(name: string, patch: { hosts?: string[]; clients?: string[]; expiresAt?: number | null; budgetUsd?: number | null; budgetTokens?: number | null }): void {
    const cur = this.get(name);
    if (!cur) return;
    this.db
      .prepare('UPDATE broker_keys SET hosts = ?, clients = ?, expires_at = ?, budget_usd = ?, budget_tokens = ? WHERE name = ?')
      .run(
        JSON.stringify(patch.hosts ?? cur.hosts),
        JSON.stringify(patch.clients ?? cur.clients),
        patch.expiresAt === undefined ? cur.expiresAt ?? null : patch.expiresAt,
        patch.budgetUsd === undefined ? cur.budgetUsd ?? null : patch.budgetUsd,
        patch.budgetTokens === undefined ? cur.budgetTokens ?? null : patch.budgetTokens,
        name,
      );
  }

  revoke(name: string, at = Date.now()): boolean {
    return this.db.prepare('UPDATE broker_keys SET revoked_at = ?, version = version + 1 WHERE name = ? AND revoked_at IS NULL').run(at, name).changes > 0;
  }

  remove(name: string): boolean {
    const tx = this.db.transaction(() => {
      this.db.prepare('DELETE FROM broker_usage WHERE name = ?').run(name);
      return this.db.prepare('DELETE FROM broker_keys WHERE name = ?').run(name).changes > 0;
    });
    return tx.immediate();
  }

  /** Counts requests made with the key (before their usage is known). */
  noteUse(name: string, at = Date.now(), count = 1): void {
    const day = utcDay(at);
    this.db.prepare('UPDATE broker_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE name = ?').run(at, name);
    this.db
      .prepare('INSERT INTO broker_usage (name, day, requests) VALUES (?, ?, ?) ON CONFLICT(name, day) DO UPDATE SET requests = requests + excluded.requests')
      .run(name, day, count);
  }

  /** Adds what a finished request cost (from its audit event). */
  addSpend(name: string, at: number, tokens: number, costUsd: number): void {
    this.db
      .prepare(
        'INSERT INTO broker_usage (name, day, tokens, cost_usd) VALUES (?, ?, ?, ?) ON CONFLICT(name, day) DO UPDATE SET tokens = tokens + excluded.tokens, cost_usd = cost_usd + excluded.cost_usd',
      )
      .run(name, utcDay(at), Math.max(0, Math.round(tokens)), Math.max(0, costUsd));
  }

  spend(name: string, at = Date.now()): KeySpend {
    const row = this.db.prepare('SELECT requests, tokens, cost_usd AS costUsd FROM broker_usage WHERE name = ? AND day = ?').get(name, utcDay(at)) as KeySpend | undefined;
    return row ?? { requests: 0, tokens: 0, costUsd: 0 };
  }
}

/** Why a key may not be used for this request, or undefined when it may. */
export function refusalReason(rec: KeyRecord, req: { host: string; client: string }, spend: KeySpend, now = Date.now()): { status: number; reason: string; offRoute?: boolean } | undefined {
  if (rec.revokedAt !== undefined) return { status: 403, reason: `Belay key "${rec.name}" was revoked on ${new Date(rec.revokedAt).toISOString()}. Store a new one with \`belay keys rotate ${rec.name}\`.` };
  if (rec.expiresAt !== undefined && now >= rec.expiresAt) return { status: 403, reason: `Belay key "${rec.name}" expired on ${new Date(rec.expiresAt).toISOString()}. Extend it with \`belay keys rotate ${rec.name} --expires …\`.` };
  if (!globMatch(req.host, rec.hosts)) {
    return { status: 403, offRoute: true, reason: `Belay key "${rec.name}" may not be sent to ${req.host} (allowed: ${rec.hosts.join(', ')}). Belay refused the request and raised an alert.` };
  }
  if (rec.clients.length > 0 && !globMatch(req.client, rec.clients)) {
    return { status: 403, offRoute: true, reason: `Belay key "${rec.name}" is not allowed for client "${req.client}" (allowed: ${rec.clients.join(', ')}). Belay refused the request and raised an alert.` };
  }
  if (rec.budgetUsd !== undefined && spend.costUsd >= rec.budgetUsd) {
    return { status: 403, reason: `Belay key "${rec.name}" reached its daily budget ($${spend.costUsd.toFixed(2)} of $${rec.budgetUsd.toFixed(2)} today, UTC). It works again tomorrow, or raise it with \`belay keys rotate ${rec.name} --budget …\`.` };
  }
  if (rec.budgetTokens !== undefined && spend.tokens >= rec.budgetTokens) {
    return { status: 403, reason: `Belay key "${rec.name}" reached its daily budget (${spend.tokens} of ${rec.budgetTokens} tokens today, UTC). It works again tomorrow, or raise it with \`belay keys rotate ${rec.name} --budget …\`.` };
  }
  return undefined;
}
