import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { normaliseArgs } from '../detectors/loops.js';
import type { GuardAction } from '../pipeline/action.js';
import { shortId } from './ids.js';
import { neutraliseLine } from './neutralise.js';
import type { RememberFor, RememberScope } from './types.js';

export interface RememberedDecision {
  id: string;
  createdAt: number;
  /** undefined: forever (until forgotten). */
  expiresAt?: number;
  decision: 'allow' | 'deny';
  duration: Exclude<RememberFor, 'once'>;
  scope: RememberScope;
  kind: string;
  client: string;
  server: string;
  tool: string;
  argsHash?: string;
  pin?: string;
  session?: string;
  /** Plain words for lists: "allow cursor → fs/delete_file (tool), for an hour". */
  label: string;
  approvalId?: string;
}

/** How long a "this session" answer lasts when the door has no session id to bind it to. */
export const SESSION_FALLBACK_MS = 12 * 3600_000;
const HOUR_MS = 3600_000;

export function argsHash(action: GuardAction): string {
  return createHash('sha256').update(JSON.stringify([normaliseArgs(action.arguments), action.uri ?? '', action.host ?? '', action.path ?? ''])).digest('hex');
}

interface Row {
  id: string; created_at: number; expires_at: number | null; decision: string; duration: string; scope: string; kind: string;
  client: string; server: string; tool: string; args_hash: string | null; pin: string | null; session: string | null; label: string; approval_id: string | null;
}

function fromRow(r: Row): RememberedDecision {
  return {
    id: r.id, createdAt: r.created_at, expiresAt: r.expires_at ?? undefined, decision: r.decision as 'allow' | 'deny',
    duration: r.duration as RememberedDecision['duration'], scope: r.scope as RememberScope, kind: r.kind, client: r.client,
    server: r.server, tool: r.tool, argsHash: r.args_hash ?? undefined, pin: r.pin ?? undefined, session: r.session ?? undefined,
    label: r.label, approvalId: r.approval_id ?? undefined,
  };
}

/**
 * Remembered answers ("allow this tool for an hour"), in SQLite so every process (the
 * guard and each mcp-wrap relay) sees them. Bound to the tool's pin: when the tool's
 * description or schema changes, its pin changes and the old answer no longer applies.
 */
export class RememberedStore {
  constructor(private readonly db: Database, private readonly now: () => number = Date.now) {}

  add(input: { action: GuardAction; decision: 'allow' | 'deny'; remember: Exclude<RememberFor, 'once'>; scope: RememberScope; approvalId?: string }): RememberedDecision {
    const { action, decision, remember, scope } = input;
    const t = this.now();
    const expiresAt = remember === 'always' ? undefined : remember === 'hour' ? t + HOUR_MS : t + SESSION_FALLBACK_MS;
    const target = scope === 'server' ? `${action.server ?? action.host ?? '?'} (any tool)` : `${action.server ?? action.host ?? '?'}/${action.tool ?? action.kind}${scope === 'args' ? ' with these exact arguments' : ''}`;
    const howLong = remember === 'always' ? 'always' : remember === 'hour' ? 'for an hour' : 'for this session';
    const rec: RememberedDecision = {
      id: shortId(), createdAt: t, expiresAt, decision, duration: remember, scope, kind: action.kind, client: action.client,
      server: action.server ?? action.host ?? '', tool: scope === 'server' ? '' : action.tool ?? '',
      argsHash: scope === 'args' ? argsHash(action) : undefined,
      pin: scope === 'server' ? undefined : action.toolPin,
      session: remember === 'session' ? action.session : undefined,
      label: neutraliseLine(`${decision} ${action.client} → ${target}, ${howLong}`, 300),
      approvalId: input.approvalId,
    };
    this.db
      .prepare(`INSERT INTO remembered_decisions (id, created_at, expires_at, decision, duration, scope, kind, client, server, tool, args_hash, pin, session, label, approval_id)
                VALUES (@id, @createdAt, @expiresAt, @decision, @duration, @scope, @kind, @client, @server, @tool, @argsHash, @pin, @session, @label, @approvalId)`)
      .run({ ...rec, expiresAt: rec.expiresAt ?? null, argsHash: rec.argsHash ?? null, pin: rec.pin ?? null, session: rec.session ?? null, approvalId: rec.approvalId ?? null });
    return rec;
  }

  /** The newest remembered answer that fits this action, if any. */
  lookup(action: GuardAction): RememberedDecision | undefined {
    const rows = this.db
      .prepare(`SELECT * FROM remembered_decisions WHERE client = ? AND kind = ? AND server = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC LIMIT 200`)
      .all(action.client, action.kind, action.server ?? action.host ?? '', this.now()) as Row[];
    let hash: string | undefined;
    for (const r of rows.map(fromRow)) {
      if (r.session !== undefined && r.session !== action.session) continue;
      if (r.scope === 'server') return r;
      if (r.tool !== (action.tool ?? '')) continue;
      if ((r.pin ?? '') !== (action.toolPin ?? '')) continue;
      if (r.scope === 'args') {
        hash ??= argsHash(action);
        if (r.argsHash !== hash) continue;
      }
      return r;
    }
    return undefined;
  }

  list(): RememberedDecision[] {
    return (this.db.prepare(`SELECT * FROM remembered_decisions WHERE expires_at IS NULL OR expires_at > ? ORDER BY created_at DESC`).all(this.now()) as Row[]).map(fromRow);
  }

  forget(id: string): boolean {
    return this.db.prepare('DELETE FROM remembered_decisions WHERE id = ?').run(id).changes > 0;
  }

  /** Drops expired rows (kept only so a list can say what ran out). */
  prune(): number {
    return this.db.prepare('DELETE FROM remembered_decisions WHERE expires_at IS NOT NULL AND expires_at <= ?').run(this.now()).changes;
  }
}
