import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { formatIssues, writePrivateFile } from './config.js';

/**
 * SIEM credentials, in siem-secrets.json (0600), apart from siem.json and never in the
 * audit log. Nothing in Belay prints them: `maskSecret` is the only view the CLI gives,
 * and `scrubSecrets` takes them out of any error text before it is stored or shown.
 */

export const destinationSecretsSchema = z
  .object({
    /** Splunk HEC token. */
    token: z.string().min(1).optional(),
    /** Elastic API key, already base64 (`id:api_key` encoded), as Kibana shows it. */
    apiKey: z.string().min(1).optional(),
    /** Elastic basic auth. */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** Webhook HMAC-SHA256 key. */
    hmacSecret: z.string().min(1).optional(),
  })
  .strict();

export type DestinationSecrets = z.infer<typeof destinationSecretsSchema>;
const secretsFileSchema = z.record(z.string(), destinationSecretsSchema);
export type SecretsFile = z.infer<typeof secretsFileSchema>;

export function loadSecrets(file: string): SecretsFile {
  if (!existsSync(file)) return {};
  // A secrets file others can read is fixed on sight rather than trusted as is.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // The parser's message can quote the file's text, so it is not repeated here.
    throw new Error(`${file} is not valid JSON. Remove it and set the credentials again with \`belay siem add\`.`);
  }
  const parsed = secretsFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} is not a valid SIEM secrets file: ${formatIssues(parsed.error).replace(/"[^"]*"/g, '"…"')}`);
  return parsed.data;
}

export function saveSecrets(file: string, secrets: SecretsFile): void {
  writePrivateFile(file, `${JSON.stringify(secrets, null, 2)}\n`);
}

export function setDestinationSecrets(file: string, name: string, value: DestinationSecrets): void {
  const all = loadSecrets(file);
  all[name] = destinationSecretsSchema.parse(value);
  saveSecrets(file, all);
}

export function removeDestinationSecrets(file: string, name: string): void {
  const all = loadSecrets(file);
  if (!(name in all)) return;
  delete all[name];
  saveSecrets(file, all);
}

/** `••••` plus at most the last 4 characters, and only when the secret is long enough to spare them. */
export function maskSecret(value: string | undefined): string {
  if (!value) return '(none)';
  return value.length >= 16 ? `••••${value.slice(-4)}` : '••••';
}

/** Every secret value of a destination, plus the encodings they travel in (basic auth). */
export function secretValues(s: DestinationSecrets | undefined): string[] {
  if (!s) return [];
  const values = [s.token, s.apiKey, s.password, s.hmacSecret].filter((v): v is string => !!v);
  if (s.username && s.password) values.push(Buffer.from(`${s.username}:${s.password}`).toString('base64'));
  return values.filter((v) => v.length >= 4);
}

/** Replaces any secret (and Authorization-looking header values) in a message before it is stored or printed. */
export function scrubSecrets(text: string, secrets: DestinationSecrets | undefined): string {
  let out = text;
  for (const v of secretValues(secrets).sort((a, b) => b.length - a.length)) out = out.split(v).join('••••');
  return out.replace(/\b(Splunk|Bearer|ApiKey|Basic)\s+[A-Za-z0-9+/=._-]{8,}/g, '$1 ••••');
}
