import type { Writable } from 'node:stream';
import type { AuditEvent } from '../../../shared/events.js';
import { GENESIS_HASH } from '../canonical.js';
import type { Database } from '../database.js';
import { buildWhere, isoTime, type EventQuery } from '../query.js';
import { rowToEvent, type EventRow } from '../rows.js';
import { formatCef } from './cef.js';
import { csvHeader, csvRow } from './csv.js';
import { toEcs } from './ecs.js';
import { toOcsf } from './ocsf.js';
import { belayVersion } from './version.js';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'ocsf', 'cef'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** Inclusive time bounds (ms since epoch or ISO 8601). */
  since?: number | string;
  until?: number | string;
  /** Further filters, as for AuditLog.query (client, type, decision...). */
  filter?: Omit<EventQuery, 'limit' | 'beforeSeq' | 'afterSeq' | 'sinceTime' | 'untilTime'>;
  /** Rows read per query; the connection is free between chunks (default 1000). */
  chunkSize?: number;
}

/**
 * The chain facts an export carries, so a collected file can be checked later:
 * the exported records' own first link and last hash, and the database's head when the
 * export ran (compare with `belay log verify` on the machine, or a later export).
 */
export interface ExportChain {
  format: 'belay-chain/1';
  count: number;
  /** prevHash of the first exported event (the hash of the event before it). */
  first?: { seq: number; id: string; prevHash: string };
  last?: { seq: number; id: string; hash: string };
  /** The database's chain head when the export started (includes events not exported). */
  head: { seq: number; hash: string };
  since?: string;
  until?: string;
  exportedAt: string;
  belayVersion: string;
}

export interface ExportResult {
  count: number;
  head: { seq: number; hash: string };
  chain: ExportChain;
}

interface Formatter {
  header?(): string;
  record(e: AuditEvent): string;
  /** The chain written into the file itself; formats that cannot hold one return ''. */
  trailer(chain: ExportChain): string;
}

function formatter(format: ExportFormat, version: string): Formatter {
  switch (format) {
    case 'jsonl':
      return {
        record: (e) => `${JSON.stringify(toEcs(e, version))}\n`,
        // An ECS document of its own (event.kind "state"), so Elastic ingests it like the rest.
        trailer: (c) =>
          `${JSON.stringify({ '@timestamp': c.exportedAt, event: { kind: 'state', action: 'belay.chain', dataset: 'belay.audit', module: 'belay' }, observer: { vendor: 'Belay', product: 'Belay', version }, belay: { chain: c } })}\n`,
      };
    case 'ocsf':
      return {
        record: (e) => toOcsf(e, version).map((o) => `${JSON.stringify(o)}\n`).join(''),
        trailer: (c) =>
          `${JSON.stringify({ class_uid: 0, class_name: 'Base Event', category_uid: 0, category_name: 'Uncategorized', activity_id: 99, activity_name: 'Chain head', type_uid: 99, time: Date.parse(c.exportedAt), severity_id: 1, metadata: { version: '1.3.0', product: { name: 'Belay', vendor_name: 'Belay', version }, log_name: 'belay.chain' }, unmapped: { belay: { chain: c } } })}\n`,
      };
    case 'cef':
      return {
        record: (e) => `${formatCef(e, version)}\n`,
        trailer: (c) =>
          `CEF:0|Belay|Belay|${version}|belay.chain|Audit chain head|1|rt=${Date.parse(c.exportedAt)} cnt=${c.count} cn1Label=headSeq cn1=${c.head.seq} cs4Label=headHash cs4=${c.head.hash}${c.last ? ` cn2Label=lastSeq cn2=${c.last.seq} cs5Label=lastHash cs5=${c.last.hash}` : ''}${c.first ? ` cn3Label=firstSeq cn3=${c.first.seq} cs6Label=firstPrevHash cs6=${c.first.prevHash}` : ''}\n`,
      };
    case 'csv':
      // A trailer row would break CSV readers; the chain goes to the .chain.json sidecar.
      return { header: csvHeader, record: csvRow, trailer: () => '' };
  }
}

/**
 * Streams events, oldest first, to `out` in the chosen format, honouring backpressure
 * and reading the database in chunks (constant memory however large the log). The
 * connection is never held across an await, so the same connection can keep writing
 * (the control API exports from the guard's own database handle). Events appended
 * after the export started are not included: the export ends at the head it saw.
 * Does not end `out`.
 */
export async function exportEvents(db: Database, opts: ExportOptions, out: Writable): Promise<ExportResult> {
  const version = belayVersion();
  const fmt = formatter(opts.format, version);
  const head = (db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS_HASH };
  const { where, params } = buildWhere({ ...opts.filter, sinceTime: opts.since, untilTime: opts.until });
  const clause = `${where ? `${where} AND` : 'WHERE'} seq > @afterSeq AND seq <= @maxSeq`;
  const page = db.prepare(`SELECT * FROM events ${clause} ORDER BY seq LIMIT @chunk`);
  const chunk = Math.max(1, opts.chunkSize ?? 1000);

  const chain: ExportChain = {
    format: 'belay-chain/1',
    count: 0,
    head,
    since: opts.since !== undefined ? isoTime(opts.since) : undefined,
    until: opts.until !== undefined ? isoTime(opts.until) : undefined,
    exportedAt: new Date().toISOString(),
    belayVersion: version,
  };
  if (fmt.header) await write(out, fmt.header());
  let afterSeq = 0;
  for (;;) {
    const rows = page.all({ ...params, afterSeq, maxSeq: head.seq, chunk }) as EventRow[];
    if (rows.length === 0) break;
    let buffered = '';
    for (const row of rows) {
      const e = rowToEvent(row);
      if (!chain.first) chain.first = { seq: e.seq, id: e.id, prevHash: e.prevHash };
      chain.last = { seq: e.seq, id: e.id, hash: e.hash };
      chain.count++;
      buffered += fmt.record(e);
      // Hand over in slices of ~64 KiB: fewer writes, still bounded.
      if (buffered.length >= 65_536) {
        await write(out, buffered);
        buffered = '';
      }
    }
    if (buffered) await write(out, buffered);
    afterSeq = rows[rows.length - 1].seq;
  }
  const trailer = fmt.trailer(chain);
  if (trailer) await write(out, trailer);
  return { count: chain.count, head, chain };
}

/** Writes and waits for 'drain' when the stream's buffer is full; rejects if it fails or closes. */
async function write(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new Error('The export destination was closed before the export finished.');
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('The export destination was closed before the export finished.'));
    const onError = (err: Error) => done(err);
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onError);
  });
}

export { toEcs, fromEcs } from './ecs.js';
export { formatCef } from './cef.js';
export { toOcsf } from './ocsf.js';
export { csvRow, csvHeader } from './csv.js';
