import { createHash } from 'node:crypto';
import type { AuditEvent } from '../../shared/events.js';

/**
 * The hash chain, in full (docs/audit.md repeats it for people verifying an export
 * outside Belay):
 *
 *   hash(n) = lowercase hex SHA-256 of UTF-8( prevHash(n) + canonical(event n) )
 *   prevHash(1) = GENESIS_HASH (64 zeros); prevHash(n) = hash(n - 1)
 *
 * canonical(event) is RFC 8785 (JSON Canonicalization Scheme) of the object holding the
 * event's fields under their AuditEvent names — id, time, type, protocol, transport,
 * client, provider, server, tool, model, method, host, path, status, latencyMs, bytesIn,
 * bytesOut, decision, decidedBy, rule, risk, error, session, links, data — with:
 *   - fields that are absent (undefined or SQL NULL) left out, `data` always present;
 *   - object keys sorted by UTF-16 code units, at every depth; no whitespace;
 *   - numbers and strings exactly as ECMAScript JSON.stringify writes them;
 *   - `seq`, `prevHash` and `hash` NOT included: order is bound by the chain itself, and
 *     leaving seq out lets `verify` tell a reordered pair from an edited row.
 * Stored `data` is already plain JSON (the writer's scrub turns NaN/Infinity into null,
 * bigints into strings, drops undefined), so canonical() of a stored row is stable.
 */
export const GENESIS_HASH = '0'.repeat(64);

export const HASHED_FIELDS = [
  'id', 'time', 'type', 'protocol', 'transport', 'client', 'provider', 'server', 'tool', 'model',
  'method', 'host', 'path', 'status', 'latencyMs', 'bytesIn', 'bytesOut', 'decision', 'decidedBy',
  'rule', 'risk', 'error', 'session', 'links', 'data',
] as const;

export type HashedEvent = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;

/** RFC 8785 canonical JSON of a plain JSON value (undefined object members are left out). */
export function canonicalJson(value: unknown): string {
  // The audit writer's scrub emits plain objects with their keys already sorted: for those
  // JSON.stringify writes exactly the canonical form, natively, and this check is a walk
  // without string building. Anything else takes the general path.
  return inCanonicalOrder(value, 0) ? JSON.stringify(value ?? null) : buildCanonical(value);
}

/**
 * True when JSON.stringify(value) is already RFC 8785 output: plain objects and arrays
 * only, each object's keys already in UTF-16 order as JSON.stringify will visit them
 * (JavaScript visits integer-like keys first, numerically: {"9", "10"} fails here), and
 * nothing JSON.stringify would write differently (toJSON, bigint, functions).
 */
function inCanonicalOrder(value: unknown, depth: number): boolean {
  if (value === null || value === undefined) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (depth > 64) return false;
  if (Array.isArray(value)) {
    for (const v of value) if (!inCanonicalOrder(v, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const obj = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const k in obj) {
    if (previous !== undefined && previous >= k) return false;
    previous = k;
    if (!inCanonicalOrder(obj[k], depth + 1)) return false;
  }
  return true;
}

/** The general path: keys sorted at every depth, built member by member. */
function buildCanonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + buildCanonical(value[i]);
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${buildCanonical(v)}`;
      }
      return `${out}}`;
    }
    default:
      // bigint, function, symbol: never in stored events (the scrub converts them).
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
  }
}

/** HASHED_FIELDS in canonical (sorted) order. */
const SORTED_FIELDS = [...HASHED_FIELDS].sort();

/**
 * The canonical form of an event: its hashed fields only, absent ones left out. Same
 * output as canonicalJson() of those fields, built directly because the member names
 * are known; `dataJson`, when given, must be canonicalJson(e.data) (the writer has it
 * already, so the data is not walked twice).
 */
export function canonicalEvent(e: HashedEvent, dataJson?: string): string {
  const rec = e as unknown as Record<string, unknown>;
  let out = '{';
  for (const f of SORTED_FIELDS) {
    let json: string;
    if (f === 'data') json = dataJson ?? canonicalJson(rec.data ?? {});
    else {
      const v = rec[f];
      if (v === undefined || v === null) continue;
      json = canonicalJson(v);
    }
    out += `${out.length > 1 ? ',' : ''}"${f}":${json}`;
  }
  return `${out}}`;
}

export function chainHash(prevHash: string, e: HashedEvent, dataJson?: string): string {
  return createHash('sha256').update(prevHash).update(canonicalEvent(e, dataJson)).digest('hex');
}
