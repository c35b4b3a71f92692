/** Parsers for `belay keys` option values: each error says what was wrong and what to write. */

export type Budget = { usd: number } | { tokens: number };

export function parseBudget(value: string): Budget {
  const v = value.trim().toLowerCase().replace(/\s+/g, '');
  const usd = /^\$?(\d+(?:\.\d+)?)(?:usd|\$)?$/.exec(v);
  if (usd && (v.startsWith('$') || v.endsWith('usd') || v.endsWith('$'))) return { usd: Number(usd[1]) };
  const tokens = /^(\d+(?:\.\d+)?)(k|m)?(?:-?tokens?|tok)$/.exec(v);
  if (tokens) return { tokens: Math.round(Number(tokens[1]) * (tokens[2] === 'k' ? 1e3 : tokens[2] === 'm' ? 1e6 : 1)) };
  throw new Error(`"${value}" is not a daily budget: write dollars ($5, 5usd) or tokens (200000tokens, 200k-tokens).`);
}

/** An absolute date/time, or a duration from now (30d, 12h, 2w). Returns ms since epoch. */
export function parseExpiry(value: string, now = Date.now()): number {
  const rel = /^(\d+)\s*(h|d|w)$/.exec(value.trim());
  if (rel) return now + Number(rel[1]) * { h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[rel[2] as 'h' | 'd' | 'w'];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`"${value}" is not an expiry: use a date (2026-12-31, 2026-12-31T18:00:00Z) or a duration from now (12h, 30d, 2w).`);
  if (t <= now) throw new Error(`The expiry ${new Date(t).toISOString()} is already past.`);
  return t;
}

/** A host glob: a hostname, optionally starting with "*." (no scheme, path or port). */
export function parseHost(value: string): string {
  const v = value.trim().toLowerCase();
  if (!/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(v)) {
    throw new Error(`"${value}" is not a host: write a host name like api.openai.com or *.openai.azure.com (no https://, path or port).`);
  }
  return v;
}

/** Where the well-known providers' keys go, so `--provider openai` fills in the host. */
export const PROVIDER_HOSTS: Record<string, string[]> = {
  openai: ['api.openai.com'],
  anthropic: ['api.anthropic.com'],
  gemini: ['generativelanguage.googleapis.com'],
  google: ['generativelanguage.googleapis.com'],
  mistral: ['api.mistral.ai'],
  groq: ['api.groq.com'],
  openrouter: ['openrouter.ai'],
  deepseek: ['api.deepseek.com'],
  azure: ['*.openai.azure.com'],
  github: ['api.github.com', 'api.githubcopilot.com'],
};
