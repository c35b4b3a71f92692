/**
 * Globs for tool, server, client and host names: `*` any run of characters, `?` one
 * character, case-insensitive. Compiled once per pattern into a linear regex.
 */
const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    // Collapse runs of * first: "a**b" must not turn into nested quantifiers.
    const body = glob
      .replace(/\*+/g, '*')
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 'is');
    if (cache.size > 1000) cache.clear();
    cache.set(glob, re);
  }
  return re;
}

export function globMatch(value: string | undefined, patterns: string | string[]): boolean {
  if (value === undefined) return false;
  if (!Array.isArray(patterns)) return globToRegExp(patterns).test(value);
  for (const p of patterns) if (globToRegExp(p).test(value)) return true;
  return false;
}
