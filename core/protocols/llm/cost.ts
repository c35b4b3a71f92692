/**
 * Cost of one LLM call from the shipped price table (resources/prices.json).
 *
 * A model the table does not know costs 'unknown', never 0: a zero would hide spend.
 * Model names are matched after dropping the dated/versioned suffixes providers add
 * (claude-sonnet-4-5-20250929, gpt-4o-2024-08-06, anthropic.claude-…-v1:0, …@20240620).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LlmUsage } from './types.js';

export interface ModelPrice {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

interface ProviderPrices {
  models: Record<string, ModelPrice>;
  aliases?: Record<string, string>;
}

export interface PriceTable {
  updated: string;
  providers: Record<string, ProviderPrices>;
  /** Resellers priced like another provider's table (azure-openai → openai). */
  providerPrices?: Record<string, string>;
  /** Providers billed by subscription (GitHub Copilot): never priced per token. */
  subscription?: { providers: string[] };
}

let cached: PriceTable | undefined;

/** Finds resources/prices.json above this module: works from sources (vitest) and from dist/. */
function defaultPricePath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'resources', 'prices.json');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('Price table resources/prices.json not found next to the Belay package: reinstall Belay or restore the file.');
}

export function loadPriceTable(file?: string): PriceTable {
  if (!file && cached) return cached;
  const where = file ?? defaultPricePath();
  let table: PriceTable;
  try {
    table = JSON.parse(readFileSync(where, 'utf8')) as PriceTable;
  } catch (err) {
    throw new Error(`Cannot read the price table ${where}: ${(err as Error).message}. Fix the JSON or restore the file from the Belay package.`, { cause: err });
  }
  if (!table || typeof table.providers !== 'object') throw new Error(`Price table ${where} has no "providers" object.`);
  if (!file) cached = table;
  return table;
}

// Suffixes tried one at a time, re-checking the table after each cut.
const SUFFIXES: RegExp[] = [
  /@[\w.-]+$/, // Vertex: claude-3-5-sonnet@20240620
  /-v\d+(:\d+)?$/, // Bedrock: -v1:0, -v2
  /:\d+$/,
  /-\d{8}$/, // -20250929
  /-\d{4}-\d{2}-\d{2}$/, // -2024-08-06
  /-\d{4}$/, // -2411, -0125
  /-\d{3}$/, // Gemini -001
  /-preview(-\d{2}-\d{2,4})?$/,
  /-exp(-\d{2}-\d{2,4})?$/,
  /-latest$/,
];

const BEDROCK_REGION = /^(us|eu|apac|us-gov|global|jp|au|ca)\./;

function lookup(p: ProviderPrices | undefined, model: string): ModelPrice | undefined {
  if (!p) return undefined;
  if (p.models['*']) return p.models['*'];
  let name = model;
  for (let guard = 0; guard < 8; guard++) {
    const direct = p.models[name] ?? (p.aliases?.[name] !== undefined ? p.models[p.aliases[name]] : undefined);
    if (direct) return direct;
    const cut = SUFFIXES.find((re) => re.test(name));
    if (!cut) return undefined;
    name = name.replace(cut, '');
  }
  return undefined;
}

/** claude-sonnet-4.5 (OpenRouter's spelling) → claude-sonnet-4-5 (Anthropic's). */
const dashVersion = (m: string): string => (m.startsWith('claude') ? m.replace(/(\d)\.(\d)/g, '$1-$2') : m);

const VENDOR_TABLE: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'google',
  mistralai: 'mistral',
  mistral: 'mistral',
  deepseek: 'deepseek',
};

/** The price for a provider's model, or undefined when the table does not know it. */
export function priceOf(provider: string | undefined, model: string | undefined, table: PriceTable = loadPriceTable()): ModelPrice | undefined {
  if (!model) return undefined;
  let m = model.trim().toLowerCase().replace(/^models\//, '');
  let prov = (provider ?? '').toLowerCase();
  if (table.subscription?.providers.includes(prov)) return undefined;

  if (prov === 'bedrock') {
    m = m.replace(/^arn:.*\//, '').replace(BEDROCK_REGION, '');
    const dot = m.indexOf('.');
    const vendor = dot > 0 ? m.slice(0, dot) : '';
    if (vendor !== 'anthropic') return undefined;
    m = m.slice(dot + 1);
    prov = 'anthropic';
  } else if (prov === 'openrouter') {
    const slash = m.indexOf('/');
    if (slash < 0) return undefined;
    prov = VENDOR_TABLE[m.slice(0, slash)] ?? '';
    m = m.slice(slash + 1).replace(/:.*$/, ''); // drop OpenRouter variants such as :free / :thinking
  }
  prov = table.providerPrices?.[prov] ?? prov;
  m = dashVersion(m);

  const own = table.providers[prov];
  if (own) return lookup(own, m);
  // An unknown or generic OpenAI-compatible endpoint (a corporate gateway, a relay):
  // price by model name, but only when exactly one of the big tables knows it.
  const hits = ['openai', 'anthropic', 'google', 'mistral', 'deepseek']
    .map((name) => lookup(table.providers[name], m))
    .filter((x): x is ModelPrice => x !== undefined);
  return hits.length === 1 ? hits[0] : undefined;
}

/** USD for one call, or 'unknown' when the model or the token counts are unknown. */
export function costOf(provider: string | undefined, model: string | undefined, usage: LlmUsage, table?: PriceTable): number | 'unknown' {
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return 'unknown';
  const price = priceOf(provider, model, table ?? loadPriceTable());
  if (!price) return 'unknown';
  const perToken = (perMillion: number | undefined, fallback: number): number => (perMillion ?? fallback) / 1_000_000;
  const usd =
    (usage.inputTokens ?? 0) * perToken(price.input, 0) +
    (usage.outputTokens ?? 0) * perToken(price.output, 0) +
    (usage.cacheReadTokens ?? 0) * perToken(price.cacheRead, price.input) +
    (usage.cacheWriteTokens ?? 0) * perToken(price.cacheWrite, price.input);
  // Round to a millionth of a dollar: enough for sums, free of float noise in logs.
  return Math.round(usd * 1e6) / 1e6;
}
