import { existsSync } from 'node:fs';
import { parseDestination, type Destination, type DestinationType } from './config.js';
import type { DestinationSecrets } from './secrets.js';

/**
 * Turns `belay siem add` flags into a destination and its secrets. Pure (stdin and the
 * environment are passed in), so every bad combination has a test and a message that
 * says which flag to fix. Secrets come only from an environment variable or stdin, so
 * they never land in shell history or `ps` output.
 */

export interface AddFlags {
  type: DestinationType;
  url?: string;
  host?: string;
  port?: number;
  transport?: 'tcp' | 'tls' | 'udp';
  format?: 'json' | 'cef';
  index?: string;
  sourcetype?: string;
  source?: string;
  indexerAck?: boolean;
  caFile?: string;
  insecureSkipVerify?: boolean;
  tokenEnv?: string;
  tokenStdin?: boolean;
  apiKeyEnv?: string;
  apiKeyStdin?: boolean;
  username?: string;
  passwordEnv?: string;
  passwordStdin?: boolean;
  secretEnv?: string;
  secretStdin?: boolean;
  batchEvents?: number;
  batchBytes?: number;
  batchDelayMs?: number;
  capEvents?: number;
  capDays?: number;
  fromStart?: boolean;
  disabled?: boolean;
}

/** A flag problem: the CLI turns it into a usage error (exit 2). */
export class AddFlagError extends Error {}

const SECRET_FLAGS: Record<string, { types: DestinationType[]; env: keyof AddFlags; stdin: keyof AddFlags }> = {
  token: { types: ['splunk-hec'], env: 'tokenEnv', stdin: 'tokenStdin' },
  apiKey: { types: ['elastic'], env: 'apiKeyEnv', stdin: 'apiKeyStdin' },
  password: { types: ['elastic'], env: 'passwordEnv', stdin: 'passwordStdin' },
  hmacSecret: { types: ['webhook'], env: 'secretEnv', stdin: 'secretStdin' },
};

const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Which flags belong to which type; any other given flag is an error rather than silently ignored. */
const TYPE_FLAGS: Record<DestinationType, (keyof AddFlags)[]> = {
  'splunk-hec': ['url', 'index', 'sourcetype', 'source', 'indexerAck', 'tokenEnv', 'tokenStdin'],
  elastic: ['url', 'index', 'apiKeyEnv', 'apiKeyStdin', 'username', 'passwordEnv', 'passwordStdin'],
  syslog: ['host', 'port', 'transport', 'format'],
  webhook: ['url', 'secretEnv', 'secretStdin'],
};
const COMMON_FLAGS: (keyof AddFlags)[] = ['type', 'caFile', 'insecureSkipVerify', 'batchEvents', 'batchBytes', 'batchDelayMs', 'capEvents', 'capDays', 'fromStart', 'disabled'];

export function buildDestination(
  name: string,
  f: AddFlags,
  io: { env: NodeJS.ProcessEnv; readStdin: () => string },
): { destination: Destination; secrets: DestinationSecrets; warnings: string[] } {
  const allowed = new Set<keyof AddFlags>([...COMMON_FLAGS, ...TYPE_FLAGS[f.type]]);
  for (const [k, v] of Object.entries(f) as [keyof AddFlags, unknown][]) {
    if (v !== undefined && v !== false && !allowed.has(k)) throw new AddFlagError(`${flagName(k)} does not apply to --type ${f.type}.`);
  }
  const stdinFlags = (Object.keys(f) as (keyof AddFlags)[]).filter((k) => k.endsWith('Stdin') && f[k]);
  if (stdinFlags.length > 1) throw new AddFlagError(`only one secret can come from stdin (got ${stdinFlags.map(flagName).join(' and ')}); pass the other with its --…-env flag.`);

  const secrets: DestinationSecrets = {};
  for (const [field, spec] of Object.entries(SECRET_FLAGS)) {
    if (!spec.types.includes(f.type)) continue;
    const envName = f[spec.env] as string | undefined;
    const fromStdin = f[spec.stdin] as boolean | undefined;
    if (envName && fromStdin) throw new AddFlagError(`give ${flagName(spec.env)} or ${flagName(spec.stdin)}, not both.`);
    let value: string | undefined;
    if (envName) {
      value = io.env[envName];
      if (!value) throw new AddFlagError(`the environment variable ${envName} (from ${flagName(spec.env)}) is not set or empty.`);
    } else if (fromStdin) {
      value = io.readStdin().replace(/\r?\n$/, '');
      if (!value) throw new AddFlagError(`${flagName(spec.stdin)} was given but stdin was empty.`);
    }
    if (value !== undefined) (secrets as Record<string, string>)[field] = value;
  }

  if (f.type === 'splunk-hec' && !secrets.token) throw new AddFlagError('a Splunk HEC destination needs its token: --token-env VAR or --token-stdin.');
  if (f.type === 'webhook' && !secrets.hmacSecret) throw new AddFlagError('a webhook needs an HMAC secret to sign batches: --secret-env VAR or --secret-stdin.');
  if (f.type === 'elastic') {
    if (secrets.password && !f.username) throw new AddFlagError('--password-env/--password-stdin needs --username.');
    if (f.username && !secrets.password) throw new AddFlagError('--username needs --password-env VAR or --password-stdin.');
    if (secrets.apiKey && f.username) throw new AddFlagError('give an API key or a user name and password, not both.');
    if (f.username) secrets.username = f.username;
  }
  if (f.type === 'syslog') {
    if (!f.host) throw new AddFlagError('a syslog destination needs --host.');
  } else if (!f.url) {
    throw new AddFlagError(`a ${f.type} destination needs --url.`);
  }
  if (f.caFile && !existsSync(f.caFile)) throw new AddFlagError(`--ca-file ${f.caFile} does not exist.`);
  if (f.caFile && f.insecureSkipVerify) throw new AddFlagError('--ca-file and --insecure-skip-verify contradict each other.');

  const transport = f.transport ?? 'tls';
  const input: Record<string, unknown> = {
    name,
    type: f.type,
    enabled: !f.disabled,
    startAt: f.fromStart ? 'beginning' : 'now',
    tls: { verify: !f.insecureSkipVerify, ...(f.caFile ? { caFile: f.caFile } : {}) },
    batch: { ...(f.batchEvents ? { maxEvents: f.batchEvents } : {}), ...(f.batchBytes ? { maxBytes: f.batchBytes } : {}), ...(f.batchDelayMs !== undefined ? { maxDelayMs: f.batchDelayMs } : {}) },
    ...(f.capEvents || f.capDays ? { cap: { ...(f.capEvents ? { maxEvents: f.capEvents } : {}), ...(f.capDays ? { maxAgeDays: f.capDays } : {}) } } : {}),
  };
  if (f.type === 'syslog') Object.assign(input, { host: f.host, port: f.port ?? (transport === 'tls' ? 6514 : 514), transport, format: f.format ?? 'json' });
  else input.url = f.url;
  if (f.type === 'splunk-hec') Object.assign(input, { index: f.index, sourcetype: f.sourcetype, source: f.source, indexerAck: !!f.indexerAck });
  if (f.type === 'elastic' && f.index) input.index = f.index;

  let destination: Destination;
  try {
    destination = parseDestination(JSON.parse(JSON.stringify(input)));
  } catch (err) {
    throw new AddFlagError((err as Error).message);
  }
  const warnings: string[] = [];
  if ('url' in destination && destination.url.startsWith('http://')) warnings.push('the URL is plain http://: events and credentials travel unencrypted. Use https:// unless the collector is on this machine.');
  if (destination.type === 'syslog' && destination.transport !== 'tls') warnings.push(`syslog over ${destination.transport} is unencrypted${destination.transport === 'udp' ? ' and has no delivery guarantee at all' : ''}; prefer --transport tls.`);
  if (!destination.tls.verify) warnings.push('TLS certificate verification is off: anyone on the path can read and alter events.');
  if (destination.type === 'elastic' && !secrets.apiKey && !secrets.password) warnings.push('no Elastic credentials given: requests are sent without authentication.');
  return { destination, secrets, warnings };
}
