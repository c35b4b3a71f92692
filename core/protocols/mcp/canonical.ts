/**
 * Canonical JSON: object keys sorted at every level, undefined members dropped, so two
 * values that mean the same serialise to the same string whatever order a server wrote
 * its keys in. Arrays keep their order (it can carry meaning).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value)) ?? 'null';
}

function sortDeep(value: unknown, depth = 0): unknown {
  // Schemas are shallow in practice; the bound only stops a hostile, absurdly deep value.
  if (depth > 64) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortDeep(v, depth + 1)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortDeep(v, depth + 1);
    }
    return out;
  }
  return value;
}
