import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * SIEM destinations, kept in siem.json in the data folder (0600). Credentials never live
 * here: they are in siem-secrets.json (see secrets.ts), so this file can be shown,
 * diffed and copied between machines without leaking anything.
 */

export const DESTINATION_TYPES = ['splunk-hec', 'elastic', 'syslog', 'webhook'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];
export const SYSLOG_TRANSPORTS = ['tcp', 'tls', 'udp'] as const;
export const SYSLOG_FORMATS = ['json', 'cef'] as const;

const nameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a destination name is 1-63 letters, digits, "-", "_" or "." and starts with a letter or digit');

const tlsSchema = z
  .object({
    /** Verify the server certificate (on by default; turning it off is logged in status). */
    verify: z.boolean().default(true),
    /** PEM file with the CA(s) that signed the server certificate, added to the system CAs. */
    caFile: z.string().min(1).optional(),
  })
  .default({ verify: true });

export const DEFAULT_BATCH = { maxEvents: 500, maxBytes: 1024 * 1024, maxDelayMs: 1000 } as const;
export const DEFAULT_CAP = { maxEvents: 1_000_000, maxAgeDays: 30 } as const;

const batchSchema = z
  .object({
    maxEvents: z.number().int().min(1).max(100_000).default(DEFAULT_BATCH.maxEvents),
    maxBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(DEFAULT_BATCH.maxBytes),
    /** How long a partial batch waits for company before it is sent anyway. */
    maxDelayMs: z.number().int().min(0).max(600_000).default(DEFAULT_BATCH.maxDelayMs),
  })
  .default(DEFAULT_BATCH);

/** Past these, the oldest unsent events are skipped, counted and reported (siem.dropped). */
const capSchema = z
  .object({
    maxEvents: z.number().int().min(1).optional(),
    maxAgeDays: z.number().positive().optional(),
  })
  .default(DEFAULT_CAP);

/** http(s) URL without credentials in it: secrets belong in siem-secrets.json. */
const urlSchema = z
  .string()
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL')
  .refine((s) => {
    try {
      const u = new URL(s);
      return !u.username && !u.password;
    } catch {
      return true;
    }
  }, 'must not contain a user name or password: pass credentials with --token-env/--token-stdin (they are stored in siem-secrets.json)');

const common = {
  name: nameSchema,
  enabled: z.boolean().default(true),
  tls: tlsSchema,
  batch: batchSchema,
  cap: capSchema,
  /** Where the cursor starts when the destination is first seen: the whole log, or new events only. */
  startAt: z.enum(['beginning', 'now']).default('now'),
};

export const splunkHecSchema = z.object({
  ...common,
  type: z.literal('splunk-hec'),
  /** Base URL (https://splunk:8088) or the full collector URL. */
  url: urlSchema,
  index: z.string().min(1).optional(),
  sourcetype: z.string().min(1).default('belay:audit'),
  source: z.string().min(1).default('belay'),
  /** Splunk Enterprise indexer acknowledgment: the cursor moves only once events are indexed. */
  indexerAck: z.boolean().default(false),
  ackTimeoutMs: z.number().int().min(100).default(120_000),
  ackPollMs: z.number().int().min(10).default(1000),
});

export const elasticSchema = z.object({
  ...common,
  type: z.literal('elastic'),
  url: urlSchema,
  /** Index or data stream name; `create` works for both. */
  index: z.string().regex(/^[a-z0-9][a-z0-9_.+-]*$/, 'an Elasticsearch index name is lower case, without spaces or \\/*?"<>|,#').default('belay-audit'),
});

export const syslogSchema = z.object({
  ...common,
  type: z.literal('syslog'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  transport: z.enum(SYSLOG_TRANSPORTS).default('tls'),
  format: z.enum(SYSLOG_FORMATS).default('json'),
  /** RFC 5424 facility number; 13 is "log audit". */
  facility: z.number().int().min(0).max(23).default(13),
  appName: z.string().regex(/^[!-~]{1,48}$/, 'APP-NAME is 1-48 printable ASCII characters without spaces').default('belay'),
});

export const webhookSchema = z.object({
  ...common,
  type: z.literal('webhook'),
  url: urlSchema,
});

export const destinationSchema = z.discriminatedUnion('type', [splunkHecSchema, elasticSchema, syslogSchema, webhookSchema]);

export type SplunkHecDestination = z.infer<typeof splunkHecSchema>;
export type ElasticDestination = z.infer<typeof elasticSchema>;
export type SyslogDestination = z.infer<typeof syslogSchema>;
export type WebhookDestination = z.infer<typeof webhookSchema>;
export type Destination = z.infer<typeof destinationSchema>;
/** What a caller writes: every defaulted field may be left out. */
export type DestinationInput = z.input<typeof destinationSchema>;

export const siemConfigSchema = z
  .object({ destinations: z.array(destinationSchema).default([]) })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.destinations.forEach((d, i) => {
      if (seen.has(d.name)) ctx.addIssue({ code: 'custom', path: ['destinations', i, 'name'], message: `duplicate destination name "${d.name}"` });
      seen.add(d.name);
    });
  });

export type SiemConfig = z.infer<typeof siemConfigSchema>;

/** A siem.json that does not parse or validate; the message names the file and each problem. */
export class SiemConfigError extends Error {
  override name = 'SiemConfigError';
}

export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top)'}: ${i.message}`).join('; ');
}

/** Reads siem.json; a missing file is an empty configuration (forwarding is off by default). */
export function loadSiemConfig(file: string): SiemConfig {
  if (!existsSync(file)) return { destinations: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SiemConfigError(`${file} is not valid JSON (${(err as Error).message}). Fix it or remove it and add destinations again with \`belay siem add\`.`);
  }
  const parsed = siemConfigSchema.safeParse(raw);
  if (!parsed.success) throw new SiemConfigError(`${file} is not a valid SIEM configuration: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

export function parseDestination(input: unknown): Destination {
  const parsed = destinationSchema.safeParse(input);
  if (!parsed.success) throw new SiemConfigError(`invalid destination: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/** Writes siem.json atomically (temp file + rename) with mode 0600. */
export function saveSiemConfig(file: string, cfg: SiemConfig): void {
  const checked = siemConfigSchema.parse(cfg);
  writePrivateFile(file, `${JSON.stringify(checked, null, 2)}\n`);
}

export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Where a destination sends, for status lines and errors (never carries credentials). */
export function describeTarget(d: Destination): string {
  if (d.type === 'syslog') return `${d.transport}://${d.host}:${d.port}`;
  const u = new URL(d.url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}
