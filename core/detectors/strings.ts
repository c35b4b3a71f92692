/**
 * Walks untrusted arguments (parsed JSON) and yields their string values with where they
 * were found. Bounded: depth, number of strings and total characters are capped so a
 * huge or deeply nested argument cannot make a detector slow.
 */
export interface FoundString {
  /** e.g. "arguments.command", "arguments.files[2].path" */
  where: string;
  /** The key the value sits under ("command"), or "" for array items and the root. */
  key: string;
  text: string;
}

export const STRING_LIMITS = { depth: 12, strings: 2000, chars: 1024 * 1024, perString: 256 * 1024 };

export function collectStrings(value: unknown, root = 'arguments', limits = STRING_LIMITS): FoundString[] {
  const out: FoundString[] = [];
  let chars = 0;
  const walk = (v: unknown, where: string, key: string, depth: number): void => {
    if (out.length >= limits.strings || chars >= limits.chars) return;
    if (typeof v === 'string') {
      const text = v.length > limits.perString ? v.slice(0, limits.perString) : v;
      chars += text.length;
      out.push({ where, key, text });
      return;
    }
    if (depth >= limits.depth || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && out.length < limits.strings; i++) walk(v[i], `${where}[${i}]`, key, depth + 1);
      return;
    }
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      if (out.length >= limits.strings) break;
      walk(child, `${where}.${k}`, k, depth + 1);
    }
  };
  walk(value, root, '', 0);
  return out;
}

/** The action's free texts, capped the same way. */
export function collectTexts(texts: string[] | undefined, root = 'texts', limits = STRING_LIMITS): FoundString[] {
  if (!texts) return [];
  return collectStrings(texts, root, limits);
}

/** Clips text shown as evidence: one line, bounded. */
export function clipEvidence(text: string, max = 120): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}
