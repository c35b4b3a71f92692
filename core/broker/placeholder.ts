/**
 * Placeholders a copilot is configured with instead of a real key: `belay-key:NAME`, in
 * any header (Authorization: Bearer …, x-api-key, x-goog-api-key, api-key) or query
 * parameter (?key=…). The proxy swaps them for the real value on the key's allowed route.
 */

export const PLACEHOLDER_PREFIX = 'belay-key:';

/** The placeholder to configure in a client for key `name`. */
export function placeholderFor(name: string): string {
  return `${PLACEHOLDER_PREFIX}${name}`;
}

type Headers = Record<string, string | string[] | undefined>;

const NAME_AFTER = /belay-key:([A-Za-z0-9][A-Za-z0-9._-]{0,63})/g;
const ENCODED_PREFIX = /belay-key%3a/i;

/** Cheap head check (runs on every request): does a header or the URL mention a placeholder? */
export function carriesPlaceholder(url: string, headers: Headers): boolean {
  if (url.includes(PLACEHOLDER_PREFIX) || ENCODED_PREFIX.test(url)) return true;
  for (const v of Object.values(headers)) {
    if (typeof v === 'string' ? v.includes(PLACEHOLDER_PREFIX) : Array.isArray(v) && v.some((x) => x.includes(PLACEHOLDER_PREFIX))) return true;
  }
  return false;
}

/** Every key name a request's headers and query name, in order, without repeats. */
export function placeholderNames(url: string, headers: Headers): string[] {
  const names = new Set<string>();
  const scan = (s: string) => {
    for (const m of s.matchAll(NAME_AFTER)) names.add(m[1]);
  };
  for (const v of Object.values(headers)) {
    if (typeof v === 'string') scan(v);
    else if (Array.isArray(v)) v.forEach(scan);
  }
  try {
    for (const [, value] of new URL(url).searchParams) scan(value);
  } catch {
    scan(url);
  }
  return [...names];
}

/** The headers with each placeholder replaced by its value (a new object; the input is untouched). */
export function swapHeaders(headers: Headers, values: Map<string, string>): Headers {
  const swap = (s: string) => s.replace(NAME_AFTER, (whole, name: string) => values.get(name) ?? whole);
  const out: Headers = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k] = typeof v === 'string' ? swap(v) : Array.isArray(v) ? v.map(swap) : v;
  }
  return out;
}

/** The URL with placeholders in query values replaced (undefined when the URL has none). */
export function swapUrl(url: string, values: Map<string, string>): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  let changed = false;
  const params = parsed.searchParams;
  for (const [k, v] of [...params]) {
    const swapped = v.replace(NAME_AFTER, (whole, name: string) => values.get(name) ?? whole);
    if (swapped !== v) {
      params.set(k, swapped);
      changed = true;
    }
  }
  return changed ? parsed.toString() : undefined;
}
