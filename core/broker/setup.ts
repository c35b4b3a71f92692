import type { KeyRecord } from './key-registry.js';
import { placeholderFor } from './placeholder.js';

/**
 * For `belay setup CLIENT`: what to write into a client's configuration instead of a
 * real key. The placeholder only works through Belay's proxy, on the key's allowed hosts.
 */

/** Environment variables the official SDKs (and the clients built on them) read their key from. */
const ENV_BY_HOST: [RegExp, string[]][] = [
  [/anthropic\.com$/, ['ANTHROPIC_API_KEY']],
  [/openai\.com$|openai\.azure\.com$/, ['OPENAI_API_KEY']],
  [/generativelanguage\.googleapis\.com$/, ['GEMINI_API_KEY', 'GOOGLE_API_KEY']],
  [/mistral\.ai$/, ['MISTRAL_API_KEY']],
  [/groq\.com$/, ['GROQ_API_KEY']],
  [/openrouter\.ai$/, ['OPENROUTER_API_KEY']],
  [/deepseek\.com$/, ['DEEPSEEK_API_KEY']],
  [/github(copilot)?\.com$/, ['GITHUB_TOKEN']],
];

export interface PlaceholderSetup {
  /** `belay-key:NAME`: put it where the client takes its API key. */
  placeholder: string;
  /** Env vars that would carry it for an SDK-based client (e.g. ANTHROPIC_API_KEY). */
  env: Record<string, string>;
  /** When the key cannot be used as configured (revoked, expired, client not allowed). */
  warning?: string;
}

/**
 * The placeholder settings for `client` using key `rec` (look it up with
 * `new KeyRegistry(db).get(name)`). Pure: the caller writes the client's config.
 */
export function placeholderSetup(rec: KeyRecord, client?: string, now = Date.now()): PlaceholderSetup {
  const placeholder = placeholderFor(rec.name);
  const env: Record<string, string> = {};
  for (const host of rec.hosts) {
    const bare = host.replace(/^\*\./, '');
    for (const [pattern, names] of ENV_BY_HOST) if (pattern.test(bare)) for (const n of names) env[n] = placeholder;
  }
  let warning: string | undefined;
  if (rec.revokedAt !== undefined) warning = `key "${rec.name}" is revoked: requests will be refused until \`belay keys rotate ${rec.name}\`.`;
  else if (rec.expiresAt !== undefined && rec.expiresAt <= now) warning = `key "${rec.name}" has expired.`;
  else if (client && rec.clients.length > 0 && !rec.clients.some((c) => c === client || c === '*')) {
    warning = `key "${rec.name}" is not allowed for ${client} (allowed: ${rec.clients.join(', ')}); add it with \`belay keys update ${rec.name} --client ${client}\`.`;
  }
  return { placeholder, env, ...(warning ? { warning } : {}) };
}

export { placeholderFor } from './placeholder.js';
