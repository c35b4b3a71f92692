import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { GENESIS_HASH, chainHash } from '../../../core/audit/canonical.js';
import { exportEvents } from '../../../core/audit/export/index.js';
import { fromEcs } from '../../../core/audit/export/ecs.js';
import { CSV_COLUMNS } from '../../../core/audit/export/csv.js';
import { belayPaths } from '../../../core/paths.js';
import { runBelay } from '../../helpers/audit-cli.js';
import { sampleEvent } from '../../helpers/audit-fixtures.js';

const T0 = Date.UTC(2026, 1, 1);
let outDir: string;

beforeAll(() => {
  const log = AuditLog.open(belayPaths().database);
  for (let i = 0; i < 60; i++) log.append(sampleEvent(i, { startedAt: T0 + i * 60_000, error: i === 4 ? 'bad, "quoted"\nline' : undefined }));
  log.close();
  outDir = path.join(belayPaths().home, 'exports');
  mkdirSync(outDir, { recursive: true });
});

describe('belay log export', () => {
  it('jsonl: one ECS document per event, then the chain trailer; the chain re-checks from the file alone', async () => {
    const file = path.join(outDir, 'all.jsonl');
    const r = await runBelay('log', 'export', '--format', 'jsonl', '--out', file);
    expect(r.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(61);
    const trailer = lines.pop();
    expect(trailer.event).toMatchObject({ kind: 'state', action: 'belay.chain' });
    expect(trailer.belay.chain).toMatchObject({ format: 'belay-chain/1', count: 60, first: { seq: 1, prevHash: GENESIS_HASH }, last: { seq: 60 }, head: { seq: 60 } });
    // What an auditor does with a collected file: rebuild each event, re-hash, follow the links.
    let prev = trailer.belay.chain.first.prevHash;
    for (const doc of lines) {
      const e = fromEcs(doc)!;
      expect(e.prevHash).toBe(prev);
      expect(chainHash(e.prevHash, e)).toBe(e.hash);
      prev = e.hash;
    }
    expect(prev).toBe(trailer.belay.chain.head.hash);
    expect(JSON.parse(readFileSync(`${file}.chain.json`, 'utf8'))).toEqual(trailer.belay.chain);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('--since/--until select a time window', async () => {
    const r = await runBelay('log', 'export', '--format', 'jsonl', '--since', new Date(T0 + 10 * 60_000).toISOString(), '--until', new Date(T0 + 19 * 60_000).toISOString());
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(11);
    expect(lines.slice(0, 10).map((d) => d.event.sequence)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(lines[10].belay.chain).toMatchObject({ count: 10, first: { seq: 11 }, last: { seq: 20 }, head: { seq: 60 } });
  });

  it('csv: header, quoted cells that a CSV reader splits back correctly, chain on stderr', async () => {
    const r = await runBelay('log', 'export', '--format', 'csv');
    expect(r.code).toBe(0);
    const rows = parseCsv(r.stdout);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(61);
    const errorCol = CSV_COLUMNS.indexOf('error');
    expect(rows[5][errorCol]).toBe('bad, "quoted"\nline');
    expect(r.stderr).toContain('"format":"belay-chain/1"');
  });

  it('cef and ocsf: one record per line and a chain trailer', async () => {
    const cef = await runBelay('log', 'export', '--format', 'cef');
    const cefLines = cef.stdout.trimEnd().split('\n');
    expect(cefLines).toHaveLength(61);
    expect(cefLines.every((l) => l.startsWith('CEF:0|Belay|Belay|'))).toBe(true);
    expect(cefLines[60]).toMatch(/\|belay\.chain\|Audit chain head\|1\|.*cnt=60 cn1Label=headSeq cn1=60/);
    const ocsf = await runBelay('log', 'export', '--format', 'ocsf');
    const docs = ocsf.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(docs.filter((d) => d.class_uid === 4002)).toHaveLength(40);
    expect(docs.filter((d) => d.class_uid === 6003)).toHaveLength(20);
    expect(docs.at(-1).unmapped.belay.chain.count).toBe(60);
  });

  it('bad usage exits 2; a bad --out exits 1 with a clear message and leaves nothing behind', async () => {
    expect((await runBelay('log', 'export', '--format', 'xml')).code).toBe(2);
    expect((await runBelay('log', 'export')).code).toBe(2);
    expect((await runBelay('log', 'export', '--format', 'csv', '--since', 'yesterday-ish')).code).toBe(2);
    const swapped = await runBelay('log', 'export', '--format', 'csv', '--since', '2026-02-02', '--until', '2026-01-01');
    expect(swapped.code).toBe(2);
    expect(swapped.stderr).toMatch(/--since is after --until/);
    const dir = await runBelay('log', 'export', '--format', 'csv', '--out', outDir);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toMatch(/is a folder; give a file name/);
    const missing = path.join(outDir, 'no', 'such', 'dir', 'x.csv');
    const r = await runBelay('log', 'export', '--format', 'csv', '--out', missing);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not exist/);
    expect(existsSync(path.dirname(missing))).toBe(false);
  });
});

describe('exportEvents streaming', () => {
  it('exports 200k events to a slow reader in bounded memory', async () => {
    const file = path.join(belayPaths().home, 'big.db');
    const log = AuditLog.open(file, { batchMs: 1000, batchSize: 5000 });
    for (let i = 0; i < 200_000; i++) {
      log.append(sampleEvent(i));
      if (i % 5000 === 4999) log.flush();
    }
    log.flush();
    let bytes = 0;
    let peak = 0;
    const base = process.memoryUsage().heapUsed;
    const sink = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
        setImmediate(cb); // a reader slower than the producer: backpressure must kick in
      },
    });
    const result = await exportEvents(log.db, { format: 'jsonl' }, sink);
    log.close();
    rmSync(file, { force: true });
    expect(result.count).toBe(200_000);
    // The output is far larger than the allowed growth, so it cannot have been held whole.
    expect(bytes).toBeGreaterThan(150 * 1024 * 1024);
    expect(peak).toBeLessThan(96 * 1024 * 1024);
  }, 180_000);
});

/** A small RFC 4180 reader, to check our quoting from the reader's side. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}
