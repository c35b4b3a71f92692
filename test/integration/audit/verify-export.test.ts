import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { verifyExportFile } from '../../../core/audit/export/verify-export.js';
import { CsvReader } from '../../../core/audit/export/csv-reader.js';
import { belayPaths } from '../../../core/paths.js';
import { runBelay } from '../../helpers/audit-cli.js';
import { sampleEvent } from '../../helpers/audit-fixtures.js';

const T0 = Date.UTC(2026, 4, 1);
let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  const log = AuditLog.open(belayPaths().database);
  for (let i = 0; i < 40; i++) {
    // Cells that exercise CSV quoting and the formula guard, and data with integer-like keys.
    const special: Record<number, object> = {
      4: { tool: "=cmd|' /C calc'!A0" },
      5: { error: 'a, "b"\r\nc' },
      6: { data: { 10: 'x', 9: 'y', findings: [{ detector: 'secrets', severity: 'high', message: 'key' }] } },
      7: { tool: "'-already quoted" },
    };
    log.append(sampleEvent(i, { startedAt: T0 + i * 1000, ...special[i] }));
  }
  log.close();
  dir = path.join(belayPaths().home, 'collected');
  mkdirSync(dir, { recursive: true });
  for (const format of ['jsonl', 'csv', 'ocsf', 'cef']) {
    files[format] = path.join(dir, `audit.${format}`);
    const r = await runBelay('log', 'export', '--format', format, '--out', files[format]);
    expect(r.code).toBe(0);
  }
});

function tampered(format: string, name: string, edit: (lines: string[]) => string[]): string {
  const file = path.join(dir, `${name}.${format}`);
  const sep = format === 'csv' ? '\r\n' : '\n';
  const lines = readFileSync(files[format], 'utf8').split(sep);
  writeFileSync(file, edit(lines).join(sep));
  if (format === 'csv') copyFileSync(`${files[format]}.chain.json`, `${file}.chain.json`);
  return file;
}

describe('belay log verify --export', () => {
  it.each(['jsonl', 'csv', 'ocsf', 'cef'])('an untouched %s export checks out and matches this machine\'s log', async (format) => {
    const r = await runBelay('log', 'verify', '--export', files[format]);
    expect(r.stdout).toMatch(/^Export intact: 40 event\(s\) \(seq 1–40\)/);
    expect(r.stdout).toContain(format === 'jsonl' || format === 'csv' ? 'content and links checked' : 'links checked');
    expect(r.stdout).toContain('the export matches it');
    expect(r.code).toBe(0);
  });

  it('jsonl: an edited field is caught by the content hash', async () => {
    const file = tampered('jsonl', 'edited', (lines) => lines.map((l, i) => (i === 10 ? l.replace('"read_file"', '"rm_rf"') : l)));
    const r = await runBelay('log', 'verify', '--export', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Export BROKEN \(edited\) at event seq 11/);
    // The first "read_file" is gen_ai.tool.name, outside the hashed belay.* block: still caught.
    expect(r.stdout).toMatch(/ECS fields no longer match/);
    const inBelay = tampered('jsonl', 'edited-belay', (lines) => lines.map((l, i) => (i === 10 ? l.replace('"tool":"read_file"', '"tool":"rm_rf"') : l)));
    expect(await verifyExportFile(inBelay)).toMatchObject({ ok: false, problem: { reason: 'edited', seq: 11, message: expect.stringMatching(/no longer matches its hash/) } });
  });

  it('jsonl: a removed record, a swapped pair and a cut-off trailer are caught', async () => {
    expect(await verifyExportFile(tampered('jsonl', 'removed', (l) => l.filter((_, i) => i !== 20)))).toMatchObject({ ok: false, problem: { reason: 'deleted' } });
    expect(await verifyExportFile(tampered('jsonl', 'swapped', (l) => [...l.slice(0, 3), l[4], l[3], ...l.slice(5)]))).toMatchObject({ ok: false, problem: { reason: 'reordered', seq: 4 } });
    expect(await verifyExportFile(tampered('jsonl', 'cut', (l) => l.slice(0, 30)))).toMatchObject({ ok: false, problem: { reason: 'deleted', message: expect.stringMatching(/No chain found/) } });
  });

  it('csv: quoting and the formula guard round-trip exactly; an edited cell is caught', async () => {
    const rows = new CsvReader().push(readFileSync(files.csv, 'utf8'));
    expect(rows[5][9]).toBe("'=cmd|' /C calc'!A0");
    expect(rows[8][9]).toBe("''-already quoted"); // an apostrophe already there is guarded too, so unguarding is exact
    const file = tampered('csv', 'edited', (lines) => lines.map((l, i) => (i === 1 ? l.replace('cursor', 'curl') : l)));
    expect(await verifyExportFile(file)).toMatchObject({ ok: false, problem: { reason: 'edited', seq: 1 } });
  });

  it('cef and ocsf: records out of place or missing are caught through the links', async () => {
    expect(await verifyExportFile(tampered('cef', 'swapped', (l) => [l[0], l[2], l[1], ...l.slice(3)]))).toMatchObject({ ok: false, problem: { reason: 'reordered' } });
    expect(await verifyExportFile(tampered('cef', 'removed', (l) => l.filter((_, i) => i !== 10)))).toMatchObject({ ok: false, problem: { reason: 'deleted' } });
    expect(await verifyExportFile(tampered('ocsf', 'removed', (l) => l.filter((_, i) => i !== 10)))).toMatchObject({ ok: false });
  });

  it('an export whose head this machine recorded differently is a mismatch (exit 1)', async () => {
    const other = path.join(belayPaths().home, 'other-machine');
    mkdirSync(other, { recursive: true });
    const db = path.join(other, 'belay.db');
    copyFileSync(belayPaths().database, db);
    // Change the head's first hex digit (to '0' it would be no change one run in 16).
    execFileSync('sqlite3', [db, "UPDATE events SET hash = (CASE WHEN substr(hash, 1, 1) = '0' THEN '1' ELSE '0' END) || substr(hash, 2) WHERE seq = 40"]);
    const r = await runBelay('--data-dir', other, 'log', 'verify', '--export', files.jsonl, '--json');
    expect({ code: r.code, stderr: r.stderr, result: r.stdout ? JSON.parse(r.stdout) : undefined }).toMatchObject({ code: 1, stderr: '', result: { ok: false, localLog: 'differs', count: 40 } });
  });

  it('a path that is not a file is a clear error', async () => {
    const r = await runBelay('log', 'verify', '--export', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not a file/);
  });
});
