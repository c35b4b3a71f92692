import { createWriteStream, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { openDatabase, type Database } from '../../audit/database.js';
import { EXPORT_FORMATS, exportEvents, type ExportFormat, type ExportResult } from '../../audit/export/index.js';
import { verifyExportFile } from '../../audit/export/verify-export.js';
import { renderJson, renderLines, tail } from '../../audit/tail.js';
import { verifyChain } from '../../audit/verify.js';
import { belayPaths } from '../../paths.js';
import { formatTimeline } from '../../timeline/format.js';
import { UsageError } from '../errors.js';
import { parseChoice, parseTime } from '../parse.js';

/** `belay log …`: read the audit log straight from the database (Belay need not be running). */
export function register(program: Command): void {
  const log = program.command('log').description('Read, verify and export the audit log.');

  log
    .command('tail')
    .description('Show the latest events as a timeline (linked events grouped); --follow keeps printing new ones from every Belay process.')
    .option('-f, --follow', 'keep watching for new events (Ctrl-C to stop)')
    .option('--json', 'one JSON event per line')
    .option('--plain', 'one line per event in columns, without grouping linked events')
    .option('-n, --lines <n>', 'how many recent events to show first', parseCount, 20)
    .option('--client <id>', 'only this client app (e.g. cursor, claude-desktop)')
    .option('--type <type>', 'only this event type (e.g. llm.request, mcp.tool_call)')
    .action(async (opts: { follow?: boolean; json?: boolean; plain?: boolean; lines: number; client?: string; type?: string }) => {
      const db = await openForReading(Boolean(opts.follow));
      if (!db) return;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await tail(db, {
          lines: opts.lines,
          follow: Boolean(opts.follow),
          filter: { client: opts.client, type: opts.type },
          // Default: the timeline story (a model's tool request, the MCP call and its result together).
          render: opts.json ? renderJson : opts.plain ? renderLines : formatTimeline,
          write: (line) => process.stdout.write(`${line}\n`),
          signal: stop.signal,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        db.close();
      }
    });

  log
    .command('verify')
    .description('Walk the hash chain and report the first edited, deleted or reordered event (exit code 1 when broken). With --export, check a collected export file instead.')
    .option('--json', 'print the result as JSON')
    .option('--export <file>', 'check an export file (its records, links and chain trailer) and compare its head with this machine\'s log')
    .option('--format <format>', `format of the --export file (default: from its name or content): ${EXPORT_FORMATS.join(', ')}`, parseChoice(EXPORT_FORMATS))
    .action(async (opts: { json?: boolean; export?: string; format?: ExportFormat }) => {
      if (opts.export) return verifyExport(opts.export, opts.format, Boolean(opts.json));
      const db = await openForReading(false);
      if (!db) {
        if (opts.json) process.stdout.write(`${JSON.stringify({ ok: true, count: 0 })}\n`);
        return;
      }
      try {
        const result = verifyChain(db);
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else if (result.ok) {
          process.stdout.write(`Audit log intact: ${result.count} event(s), chain head seq ${result.head.seq} hash ${result.head.hash}\n`);
        } else {
          const at = result.brokenAt;
          process.stdout.write(
            `Audit log BROKEN (${result.reason}) at event seq ${at.seq}${at.id ? ` id ${at.id}` : ''}${at.time ? ` time ${at.time}` : ''}\n  ${result.message}\n  ${result.count} event(s) before it check out.\n`,
          );
        }
        if (!result.ok) process.exitCode = 1;
      } finally {
        db.close();
      }
    });

  log
    .command('export')
    .description('Export events as ECS JSONL, CSV, OCSF or CEF, streaming (to stdout unless --out). Each export carries the chain head.')
    .requiredOption('--format <format>', `one of ${EXPORT_FORMATS.join(', ')}`, parseChoice(EXPORT_FORMATS))
    .option('--since <time>', 'only events at or after this time (ISO 8601 or an age like 2h, 7d)', (v) => parseTime(v))
    .option('--until <time>', 'only events at or before this time', (v) => parseTime(v))
    .option('--out <file>', 'write to this file (and its chain to FILE.chain.json) instead of stdout')
    .action(async (opts: { format: ExportFormat; since?: number; until?: number; out?: string }) => {
      if (opts.since !== undefined && opts.until !== undefined && opts.since > opts.until) {
        throw new UsageError('--since is after --until: nothing could match. Swap them.');
      }
      if (opts.out) checkOutPath(opts.out);
      const db = await openForReading(false, { allowMissing: true });
      try {
        if (opts.out) await exportToFile(db, opts.format, opts.since, opts.until, path.resolve(opts.out));
        else await exportToStdout(db, opts.format, opts.since, opts.until);
      } finally {
        db?.close();
      }
    });
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number of events.`);
  return Number(value);
}

/**
 * Opens the database read-only. A missing database is not an error for reading: it just
 * has no events yet (follow waits for it to appear).
 */
async function openForReading(waitForIt: boolean, opts: { allowMissing?: boolean } = {}): Promise<Database | undefined> {
  const file = belayPaths().database;
  while (!existsSync(file)) {
    if (!waitForIt) {
      if (!opts.allowMissing) process.stderr.write(`No audit log yet (${file} does not exist). Start Belay with \`belay serve\` or check --data-dir.\n`);
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const db = openDatabase(file, { readonly: true });
  const hasEvents = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
  if (!hasEvents) {
    db.close();
    if (!opts.allowMissing) process.stderr.write(`No audit log yet in ${file}.\n`);
    return undefined;
  }
  return db;
}

function checkOutPath(out: string): void {
  const full = path.resolve(out);
  if (existsSync(full) && statSync(full).isDirectory()) {
    throw new Error(`--out ${out} is a folder; give a file name, e.g. ${path.join(out, 'belay-export.jsonl')}.`);
  }
  const dir = path.dirname(full);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`Cannot write ${out}: the folder ${dir} does not exist. Create it first or choose another path.`);
  }
}

async function runExport(db: Database | undefined, format: ExportFormat, since: number | undefined, until: number | undefined, out: Writable): Promise<ExportResult> {
  if (db) return exportEvents(db, { format, since, until }, out);
  // No database yet: an export with no events and a genesis head is still a valid export.
  const mem = openDatabase(':memory:');
  try {
    return await exportEvents(mem, { format, since, until }, out);
  } finally {
    mem.close();
  }
}

/** Written to FILE.partial, renamed when complete, so a failed export never looks whole. */
async function exportToFile(db: Database | undefined, format: ExportFormat, since: number | undefined, until: number | undefined, file: string): Promise<void> {
  const partial = `${file}.partial`;
  const stream = createWriteStream(partial, { mode: 0o600 });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
    const result = await runExport(db, format, since, until, stream);
    stream.end();
    await finished(stream);
    renameSync(partial, file);
    writeFileSync(`${file}.chain.json`, `${JSON.stringify(result.chain, null, 2)}\n`, { mode: 0o600 });
    process.stderr.write(`Exported ${result.count} event(s) to ${file} (chain head seq ${result.head.seq}; chain in ${file}.chain.json).\n`);
  } catch (err) {
    stream.destroy();
    rmSync(partial, { force: true });
    throw new Error(`Export to ${file} failed: ${(err as Error).message}`, { cause: err });
  }
}

async function exportToStdout(db: Database | undefined, format: ExportFormat, since: number | undefined, until: number | undefined): Promise<void> {
  // A reader that goes away (e.g. `| head`) is how the user stops an export: EPIPE ends
  // it quietly instead of crashing on an unhandled stream error.
  let pipeError: NodeJS.ErrnoException | undefined;
  const onError = (err: NodeJS.ErrnoException) => {
    pipeError = err;
  };
  process.stdout.on('error', onError);
  try {
    const result = await runExport(db, format, since, until, process.stdout);
    // CSV has no place for the chain inside the data; say it on stderr.
    if (format === 'csv') process.stderr.write(`belay: chain ${JSON.stringify(result.chain)}\n`);
  } catch (err) {
    if (pipeError?.code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw err;
  } finally {
    process.stdout.off('error', onError);
  }
}

async function verifyExport(file: string, format: ExportFormat | undefined, json: boolean): Promise<void> {
  if (!existsSync(file) || statSync(file).isDirectory()) throw new Error(`${file} is not a file. Give the path of an export made by \`belay log export\`.`);
  const check = await verifyExportFile(file, format);
  // Where the export came from this machine, its head must still be in the local log.
  let local: 'match' | 'differs' | 'not-here' = 'not-here';
  const db = check.chain ? await openForReading(false, { allowMissing: true }) : undefined;
  if (db && check.chain) {
    try {
      const row = db.prepare('SELECT hash FROM events WHERE seq = ?').get(check.chain.head.seq) as { hash: string } | undefined;
      if (row) local = row.hash === check.chain.head.hash ? 'match' : 'differs';
    } finally {
      db.close();
    }
  }
  const ok = check.ok && local !== 'differs';
  if (json) process.stdout.write(`${JSON.stringify({ ...check, ok, localLog: local })}\n`);
  else if (check.ok) {
    const c = check.chain!;
    process.stdout.write(
      `Export intact: ${check.count} event(s)${c.first && c.last ? ` (seq ${c.first.seq}–${c.last.seq})` : ''}, ${check.checked} checked${check.gaps ? `, ${check.gaps} gap(s) from the time window` : ''}.\n` +
        `  chain head when exported: seq ${c.head.seq} hash ${c.head.hash}\n` +
        (local === 'match'
          ? '  This machine\'s audit log has that head: the export matches it.\n'
          : local === 'differs'
            ? '  MISMATCH: this machine\'s audit log has a different event at that seq: one of the two was rewritten.\n'
            : '  Compare that head with `belay log verify --json` on the machine it came from.\n'),
    );
  } else {
    const p = check.problem!;
    process.stdout.write(`Export BROKEN (${p.reason})${p.seq !== undefined ? ` at event seq ${p.seq}` : ''}${p.id ? ` id ${p.id}` : ''}\n  ${p.message}\n`);
  }
  if (!ok) process.exitCode = 1;
}
