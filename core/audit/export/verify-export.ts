import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditEvent } from '../../../shared/events.js';
import { canonicalJson, chainHash } from '../canonical.js';
import { CSV_COLUMNS } from './csv.js';
import { CsvReader, unguardCell } from './csv-reader.js';
import { fromEcs, toEcs } from './ecs.js';
import type { ExportChain, ExportFormat } from './index.js';

/**
 * Checks a collected export file on its own, away from the machine it came from:
 * each record's hash against its content (JSONL and CSV carry every field; OCSF and CEF
 * only the hashes, so for them the links alone are checked), each record's prevHash
 * against the record before it where their seqs are consecutive, and the records against
 * the chain the export carries (count, first link, last hash: a cut or padded file shows).
 */
export interface ExportCheck {
  ok: boolean;
  format: ExportFormat;
  count: number;
  /** What could be checked for this format. */
  checked: 'content and links' | 'links';
  chain?: ExportChain;
  /** Seq jumps inside the file; only expected in a --since/--until export. */
  gaps: number;
  problem?: { record: number; seq?: number; id?: string; reason: 'edited' | 'deleted' | 'reordered' | 'unreadable'; message: string };
}

interface Rec {
  seq: number;
  id: string;
  prevHash: string;
  hash: string;
  event?: AuditEvent;
  /** False when fields outside the hashed part disagree with it (JSONL's ECS fields). */
  consistent?: boolean;
}

export async function verifyExportFile(file: string, format?: ExportFormat): Promise<ExportCheck> {
  const fmt = format ?? guessFormat(file);
  const result: ExportCheck = { ok: true, format: fmt, count: 0, checked: fmt === 'jsonl' || fmt === 'csv' ? 'content and links' : 'links', gaps: 0 };
  let prev: Rec | undefined;
  let first: Rec | undefined;
  const fail = (record: number, rec: Partial<Rec>, reason: NonNullable<ExportCheck['problem']>['reason'], message: string) => {
    result.ok = false;
    result.problem ??= { record, seq: rec.seq, id: rec.id, reason, message };
  };
  const check = (rec: Rec) => {
    const n = result.count + 1;
    if (rec.event && chainHash(rec.event.prevHash, rec.event) !== rec.hash) {
      fail(n, rec, 'edited', `Record ${n} (event ${rec.seq}, ${rec.id}) was changed: its content no longer matches its hash.`);
    } else if (rec.consistent === false) {
      fail(n, rec, 'edited', `Record ${n} (event ${rec.seq}, ${rec.id}) was changed: its ECS fields no longer match its hashed belay.* fields.`);
    } else if (prev) {
      if (rec.seq <= prev.seq) fail(n, rec, 'reordered', `Record ${n} (event ${rec.seq}) comes after event ${prev.seq}: the records were reordered.`);
      else if (rec.seq === prev.seq + 1 && rec.prevHash !== prev.hash) {
        fail(n, rec, 'edited', `Record ${n} (event ${rec.seq}) does not link to event ${prev.seq} before it: one of them was forged.`);
      } else if (rec.seq > prev.seq + 1) {
        // Judged at the end against the chain: legitimate only in a time-window export.
        result.gaps++;
      }
    }
    first ??= rec;
    prev = rec;
    result.count++;
  };

  if (fmt === 'csv') {
    const reader = new CsvReader();
    let header: string[] | undefined;
    const onRow = (cells: string[]) => {
      if (!header) {
        header = cells;
        if (CSV_COLUMNS.some((c, i) => header![i] !== c)) fail(0, {}, 'unreadable', 'The CSV header is not a Belay export header.');
        return;
      }
      const rec = fromCsv(cells);
      if (rec) check(rec);
      else fail(result.count + 1, {}, 'unreadable', `Row ${result.count + 2} is not a Belay event row.`);
    };
    for await (const chunk of createReadStream(file, { encoding: 'utf8' })) for (const row of reader.push(chunk as string)) onRow(row);
    for (const row of reader.end()) onRow(row);
  } else {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    let pendingTrailer: ExportChain | undefined;
    for await (const line of lines) {
      if (line.trim() === '') continue;
      if (pendingTrailer) fail(result.count + 1, {}, 'edited', 'Records follow the chain trailer: the file was appended to.');
      const parsed = fmt === 'cef' ? fromCefLine(line) : fromJsonLine(line, fmt);
      if (parsed === 'unreadable') fail(result.count + 1, {}, 'unreadable', `Line ${result.count + 1} is not a Belay ${fmt} record.`);
      else if ('format' in parsed) pendingTrailer = parsed;
      else if (fmt === 'ocsf' && prev && parsed.id === prev.id) continue; // a finding line for the same event
      else check(parsed);
    }
    result.chain = pendingTrailer;
  }
  const sidecar = `${file}.chain.json`;
  if (!result.chain && existsSync(sidecar)) result.chain = JSON.parse(readFileSync(sidecar, 'utf8')) as ExportChain;
  const c = result.chain;
  if (!c) {
    fail(result.count, {}, 'deleted', `No chain found (no trailer and no ${sidecar}): the file may have been cut short.`);
  } else {
    if (result.gaps > 0 && !c.since && !c.until) fail(0, {}, 'deleted', `${result.gaps} gap(s) in the seqs of a full export: records were taken out.`);
    if (c.count !== result.count) fail(result.count, {}, 'deleted', `The export says ${c.count} event(s) but the file holds ${result.count}.`);
    const f = first as Rec | undefined;
    const l = prev as Rec | undefined;
    if (c.first && f && (c.first.seq !== f.seq || c.first.prevHash !== f.prevHash)) fail(1, f, 'deleted', 'The first record is not the one the export started with.');
    if (c.last && l && (c.last.seq !== l.seq || c.last.hash !== l.hash)) fail(result.count, l, 'deleted', 'The last record is not the one the export ended with: the file was cut or extended.');
  }
  return result;
}

function guessFormat(file: string): ExportFormat {
  const ext = file.toLowerCase().split('.').pop();
  if (ext === 'csv') return 'csv';
  if (ext === 'cef') return 'cef';
  if (ext === 'ocsf') return 'ocsf';
  // Sniff the first bytes: OCSF lines start with class_uid, ECS with @timestamp.
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(64);
  let head: string;
  try {
    head = buf.subarray(0, readSync(fd, buf, 0, 64, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
  if (head.startsWith('CEF:')) return 'cef';
  if (head.startsWith('{"class_uid"')) return 'ocsf';
  return 'jsonl';
}

function fromJsonLine(line: string, fmt: ExportFormat): Rec | ExportChain | 'unreadable' {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return 'unreadable';
  }
  if (fmt === 'jsonl') {
    const chain = (doc.belay as { chain?: ExportChain } | undefined)?.chain;
    if (chain) return chain;
    const e = fromEcs(doc);
    if (!e) return 'unreadable';
    // The hash covers the belay.* block; the standard ECS fields a SIEM shows are derived
    // from it, so they must be exactly what toEcs() makes of it, or they were edited.
    const version = (doc.observer as { version?: string } | undefined)?.version;
    const derived = canonicalJson(JSON.parse(JSON.stringify(toEcs(e, version))));
    return { seq: e.seq, id: e.id, prevHash: e.prevHash, hash: e.hash, event: e, consistent: derived === canonicalJson(doc) };
  }
  const b = (doc.unmapped as { belay?: Record<string, unknown> } | undefined)?.belay;
  if (b?.chain) return b.chain as ExportChain;
  const id = (doc.metadata as { uid?: string } | undefined)?.uid;
  if (!b || typeof b.hash !== 'string' || typeof id !== 'string') return 'unreadable';
  return { seq: Number(b.seq), id, prevHash: String(b.prev_hash), hash: b.hash };
}

function fromCefLine(line: string): Rec | ExportChain | 'unreadable' {
  const ext = parseCefExtensions(line);
  if (!ext) return 'unreadable';
  if (line.includes('|belay.chain|')) {
    return {
      format: 'belay-chain/1',
      count: Number(ext.cnt),
      head: { seq: Number(ext.cn1), hash: ext.cs4 },
      last: ext.cs5 ? { seq: Number(ext.cn2), id: '', hash: ext.cs5 } : undefined,
      first: ext.cs6 ? { seq: Number(ext.cn3), id: '', prevHash: ext.cs6 } : undefined,
      exportedAt: new Date(Number(ext.rt)).toISOString(),
      belayVersion: '',
    };
  }
  if (!ext.cs4 || !ext.externalId) return 'unreadable';
  return { seq: Number(ext.cn1), id: ext.externalId, prevHash: ext.cs5 ?? '', hash: ext.cs4 };
}

/** The extension part of a CEF line as key → unescaped value. */
function parseCefExtensions(line: string): Record<string, string> | undefined {
  // Skip the 7 header fields (| escaped as \|).
  let bars = 0;
  let i = 0;
  for (; i < line.length && bars < 7; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') bars++;
  }
  if (bars < 7) return undefined;
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_]+)=((?:\\.|[^\\=])*?)(?=\s+[A-Za-z0-9_]+=|$)/gy;
  const rest = line.slice(i);
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < rest.length && (m = re.exec(rest)) !== null) {
    out[m[1]] = m[2].replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
    while (rest[re.lastIndex] === ' ') re.lastIndex++;
  }
  return out;
}

const NUMERIC = new Set(['seq', 'status', 'latency_ms', 'bytes_in', 'bytes_out']);
const CAMEL: Record<string, string> = { latency_ms: 'latencyMs', bytes_in: 'bytesIn', bytes_out: 'bytesOut', decided_by: 'decidedBy', prev_hash: 'prevHash' };

function fromCsv(cells: string[]): Rec | undefined {
  if (cells.length !== CSV_COLUMNS.length) return undefined;
  const e: Record<string, unknown> = {};
  try {
    CSV_COLUMNS.forEach((col, i) => {
      const raw = cells[i];
      if (raw === '') return;
      const key = CAMEL[col] ?? col;
      if (NUMERIC.has(col)) e[key] = Number(raw);
      else if (col === 'links' || col === 'data') e[key] = JSON.parse(unguardCell(raw));
      else e[key] = unguardCell(raw);
    });
  } catch {
    return undefined;
  }
  e.data ??= {};
  const event = e as unknown as AuditEvent;
  return { seq: event.seq, id: event.id, prevHash: event.prevHash, hash: event.hash, event };
}
