import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { openDatabase } from '../../audit/database.js';
import { belayPaths, ensureDataDir, type BelayPaths } from '../../paths.js';
import { AddFlagError, buildDestination, type AddFlags } from '../../siem/add-options.js';
import { DESTINATION_TYPES, describeTarget, loadSiemConfig, saveSiemConfig, SYSLOG_FORMATS, SYSLOG_TRANSPORTS, type Destination } from '../../siem/config.js';
import { Outbox } from '../../siem/outbox.js';
import { loadSecrets, maskSecret, removeDestinationSecrets, setDestinationSecrets, type DestinationSecrets } from '../../siem/secrets.js';
import { readDestinationStatus, type DestinationStatus } from '../../siem/status.js';
import { sendTestEvent } from '../../siem/test-event.js';
import { UsageError } from '../errors.js';
import { parseChoice, parsePort, parsePositiveInt } from '../parse.js';

/**
 * `belay siem …`: SIEM destinations. Settings go to siem.json, credentials to
 * siem-secrets.json (0600, never printed). A running guard picks up changes within a
 * couple of seconds; `status` reads the outbox from the database, guard running or not.
 */
export function register(program: Command): Command {
  const siem = program.command('siem').description('Forward the audit log to Splunk, Elastic, syslog or a webhook (off until you add a destination).');

  siem
    .command('add <name>')
    .description('Add a destination (or replace one with --replace). Secrets come from an environment variable or stdin, never from the command line.')
    .addOption(new Option('--type <type>', 'destination type').choices(DESTINATION_TYPES).makeOptionMandatory())
    .option('--url <url>', 'splunk-hec, elastic, webhook: base URL (https://splunk:8088, https://es:9200, https://hooks.example/belay)')
    .option('--host <host>', 'syslog: collector host')
    .option('--port <port>', 'syslog: collector port (default 6514 for tls, 514 otherwise)', parsePort)
    .option('--transport <t>', `syslog: ${SYSLOG_TRANSPORTS.join('|')} (default tls)`, parseChoice(SYSLOG_TRANSPORTS))
    .option('--format <f>', `syslog: message body ${SYSLOG_FORMATS.join('|')} (default json)`, parseChoice(SYSLOG_FORMATS))
    .option('--index <index>', 'splunk-hec: index; elastic: index or data stream (default belay-audit)')
    .option('--sourcetype <st>', 'splunk-hec: sourcetype (default belay:audit)')
    .option('--source <source>', 'splunk-hec: source (default belay)')
    .option('--indexer-ack', 'splunk-hec: wait for indexer acknowledgment before moving on (Splunk Enterprise)')
    .option('--token-env <VAR>', 'splunk-hec: read the HEC token from this environment variable')
    .option('--token-stdin', 'splunk-hec: read the HEC token from stdin')
    .option('--api-key-env <VAR>', 'elastic: read the API key (base64 id:key) from this environment variable')
    .option('--api-key-stdin', 'elastic: read the API key from stdin')
    .option('--username <user>', 'elastic: basic-auth user (with --password-env/--password-stdin)')
    .option('--password-env <VAR>', 'elastic: read the password from this environment variable')
    .option('--password-stdin', 'elastic: read the password from stdin')
    .option('--secret-env <VAR>', 'webhook: read the HMAC signing secret from this environment variable')
    .option('--secret-stdin', 'webhook: read the HMAC signing secret from stdin')
    .option('--ca-file <pem>', 'trust this CA (PEM) for the collector, in addition to the system CAs')
    .option('--insecure-skip-verify', 'do not verify the collector certificate (not recommended; shown as a warning in status)')
    .option('--batch-events <n>', 'most events per batch (default 500)', parsePositiveInt)
    .option('--batch-bytes <n>', 'most bytes per batch (default 1 MiB)', parsePositiveInt)
    .option('--batch-delay-ms <n>', 'longest a partial batch waits (default 1000)', parseNonNegativeInt)
    .option('--cap-events <n>', 'most unsent events kept for this destination; older ones are dropped and counted (default 1000000)', parsePositiveInt)
    .option('--cap-days <n>', 'unsent events older than this are dropped and counted (default 30)', parsePositiveInt)
    .option('--from-start', 'also forward the events already in the log (default: only new events)')
    .option('--disabled', 'add it switched off')
    .option('--replace', 'replace an existing destination of that name (its cursor is kept)')
    .action(async (name: string, opts: AddFlags & { replace?: boolean }) => {
      const paths = prepare();
      const { replace, ...flags } = opts;
      let built;
      try {
        built = buildDestination(name, flags, { env: process.env, readStdin: () => readFileSync(0, 'utf8') });
      } catch (err) {
        if (err instanceof AddFlagError) throw new UsageError(err.message);
        throw err;
      }
      const cfg = loadSiemConfig(paths.siem);
      const existing = cfg.destinations.findIndex((d) => d.name === name);
      if (existing >= 0 && !replace) throw new UsageError(`a destination named "${name}" already exists: pass --replace, or \`belay siem remove ${name}\` first.`);
      // Secrets first: a config that names a destination whose secret is missing would fail at runtime.
      if (Object.keys(built.secrets).length > 0) setDestinationSecrets(paths.siemSecrets, name, built.secrets);
      else removeDestinationSecrets(paths.siemSecrets, name);
      if (existing >= 0) cfg.destinations[existing] = built.destination;
      else cfg.destinations.push(built.destination);
      saveSiemConfig(paths.siem, cfg);
      withDb(paths, (db) => new Outbox(db).ensure(name, built.destination.startAt));
      for (const w of built.warnings) process.stderr.write(`belay: warning: ${w}\n`);
      const secretNote = describeSecrets(built.secrets);
      process.stdout.write(
        `${existing >= 0 ? 'Replaced' : 'Added'} ${built.destination.type} destination "${name}" → ${describeTarget(built.destination)}${secretNote ? ` (${secretNote})` : ''}${built.destination.enabled ? '' : ', disabled'}.\n` +
          `Forwarding ${built.destination.startAt === 'beginning' ? 'the whole log' : 'new events'} once Belay runs. Check it now with: belay siem test ${name}\n`,
      );
    });

  siem
    .command('list')
    .description('List destinations (credentials shown masked).')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const paths = belayPaths();
      const cfg = loadSiemConfig(paths.siem);
      const secrets = loadSecrets(paths.siemSecrets);
      if (opts.json) {
        const out = cfg.destinations.map((d) => ({ ...d, credentials: describeSecrets(secrets[d.name]) || undefined }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      if (cfg.destinations.length === 0) {
        process.stdout.write('No SIEM destinations. Add one with `belay siem add NAME --type splunk-hec|elastic|syslog|webhook …`.\n');
        return;
      }
      for (const d of cfg.destinations) {
        const extra = [d.type === 'syslog' ? `format ${d.format}` : '', d.tls.verify ? '' : 'TLS verify OFF', d.tls.caFile ? `CA ${d.tls.caFile}` : '', describeSecrets(secrets[d.name])].filter(Boolean);
        process.stdout.write(`${d.enabled ? '●' : '○'} ${d.name}  ${d.type}  ${describeTarget(d)}${d.enabled ? '' : '  (disabled)'}${extra.length ? `  ${extra.join(', ')}` : ''}\n`);
      }
    });

  siem
    .command('remove <name>')
    .description('Remove a destination, its stored credentials and its outbox cursor.')
    .action((name: string) => {
      const paths = prepare();
      const cfg = loadSiemConfig(paths.siem);
      mustFind(cfg.destinations, name);
      saveSiemConfig(paths.siem, { destinations: cfg.destinations.filter((d) => d.name !== name) });
      removeDestinationSecrets(paths.siemSecrets, name);
      withDb(paths, (db) => new Outbox(db).remove(name));
      process.stdout.write(`Removed destination "${name}" and its credentials.\n`);
    });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    siem
      .command(`${verb} <name>`)
      .description(enabled ? 'Resume forwarding to a destination (from where it stopped, within the cap).' : 'Pause forwarding to a destination; events keep queuing (within the cap).')
      .action((name: string) => {
        const paths = prepare();
        const cfg = loadSiemConfig(paths.siem);
        mustFind(cfg.destinations, name).enabled = enabled;
        saveSiemConfig(paths.siem, cfg);
        process.stdout.write(`Destination "${name}" ${enabled ? 'enabled' : 'disabled'}.\n`);
      });
  }

  siem
    .command('status [name]')
    .description('Delivery status per destination: last success, lag, queued, errors, drops (read from the database; works whether Belay runs or not).')
    .option('--json', 'machine-readable output')
    .action((name: string | undefined, opts: { json?: boolean }) => {
      const paths = prepare();
      const cfg = loadSiemConfig(paths.siem);
      const dests = name ? [mustFind(cfg.destinations, name)] : cfg.destinations;
      const status = withDb(paths, (db) => readDestinationStatus(db, dests));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        return;
      }
      if (status.length === 0) {
        process.stdout.write('No SIEM destinations. Add one with `belay siem add`.\n');
        return;
      }
      for (const s of status) process.stdout.write(formatStatus(s));
    });

  siem
    .command('test <name>')
    .description('Send one test event to a destination now and print what happened (exit 1 if it was not accepted).')
    .option('--timeout <ms>', 'give up after this long (default 30000)', parsePositiveInt)
    .action(async (name: string, opts: { timeout?: number }) => {
      const paths = belayPaths();
      const cfg = loadSiemConfig(paths.siem);
      const dest = mustFind(cfg.destinations, name);
      const secrets = loadSecrets(paths.siemSecrets)[name];
      process.stdout.write(`Sending a test event to "${name}" (${dest.type}, ${describeTarget(dest)})…\n`);
      const r = await sendTestEvent(dest, secrets, opts.timeout);
      if (r.ok) {
        process.stdout.write(`OK in ${r.ms} ms: ${r.message}\nTest event id: ${r.eventId}\n`);
      } else {
        process.stdout.write(`FAILED after ${r.ms} ms: ${r.message}\n`);
        process.exitCode = 1;
      }
    });

  return siem;
}

function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number (0 or more).`);
  return Number(value);
}

function prepare(): BelayPaths {
  const paths = belayPaths();
  ensureDataDir(paths);
  return paths;
}

function withDb<T>(paths: BelayPaths, fn: (db: ReturnType<typeof openDatabase>) => T): T {
  const db = openDatabase(paths.database);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function mustFind(dests: Destination[], name: string): Destination {
  const d = dests.find((x) => x.name === name);
  if (!d) {
    const known = dests.map((x) => x.name).join(', ');
    throw new UsageError(`no SIEM destination named "${name}"${known ? ` (known: ${known})` : ' (none configured yet)'}.`);
  }
  return d;
}

function describeSecrets(s: DestinationSecrets | undefined): string {
  if (!s) return '';
  const parts: string[] = [];
  if (s.token) parts.push(`token ${maskSecret(s.token)}`);
  if (s.apiKey) parts.push(`API key ${maskSecret(s.apiKey)}`);
  if (s.username) parts.push(`user ${s.username}, password ${maskSecret(s.password)}`);
  if (s.hmacSecret) parts.push(`HMAC secret ${maskSecret(s.hmacSecret)}`);
  return parts.join(', ');
}

function ago(iso: string | undefined): string {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return `${iso} (${s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`} ago)`;
}

function formatStatus(s: DestinationStatus): string {
  const state = !s.enabled ? 'disabled' : s.failing ? 'FAILING' : s.lagEvents === 0 ? 'up to date' : 'sending';
  const lines = [
    `${s.name} (${s.type}, ${s.target}): ${state}`,
    `  last success: ${ago(s.lastSuccessAt)}`,
    `  lag: ${s.lagEvents} event(s), ${s.lagSeconds} s   queued: ${s.queued}   sent: ${s.sentTotal}   dropped: ${s.droppedTotal}   rejected: ${s.rejectedTotal}`,
  ];
  if (s.lastError) lines.push(`  last error: ${s.lastError} (${ago(s.lastErrorAt)}${s.failing ? `, ${s.attempts} attempt(s)` : ', since recovered'})`);
  if (s.nextAttemptAt) lines.push(`  next attempt: ${s.nextAttemptAt}`);
  for (const r of s.recentRejected) lines.push(`  rejected event ${r.eventId} (seq ${r.seq}): ${r.reason}`);
  for (const w of s.warnings) lines.push(`  WARNING: ${w}`);
  return `${lines.join('\n')}\n`;
}
