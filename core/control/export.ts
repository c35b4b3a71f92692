import type { ServerResponse } from 'node:http';
import type { AuditEvent } from '../../shared/events.js';
import type { EventsService } from './services.js';
import { HttpError } from './http-util.js';

const csvColumns = ['seq', 'id', 'time', 'type', 'client', 'provider', 'server', 'tool', 'model', 'method', 'host', 'path', 'status', 'decision', 'decidedBy', 'rule', 'risk', 'latencyMs', 'error', 'hash'] as const;

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s = String(v);
  // Spreadsheet formula injection: a cell starting with = + - @ is run by Excel.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function parseTimeParam(name: string, v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError(400, `"${name}" is not a time: use ISO 8601 or ms since epoch.`);
  return t;
}

/**
 * Streams the audit log as a download (JSON Lines or CSV), oldest first, paging the
 * database by seq and waiting for the socket to drain, so exporting a million events
 * never holds them in memory. The download is a response, never a file path on disk.
 */
export async function streamExport(events: EventsService, params: URLSearchParams, res: ServerResponse): Promise<void> {
  const format = params.get('format') ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new HttpError(400, `"format" must be jsonl or csv (got "${format}").`);
  const since = parseTimeParam('since', params.get('since'));
  const until = parseTimeParam('until', params.get('until'));
  const stamp = new Date().toISOString().slice(0, 10);
  res.writeHead(200, {
    'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'Content-Disposition': `attachment; filename="belay-audit-${stamp}.${format}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (format === 'csv') res.write(`${csvColumns.join(',')}\n`);
  const line = (e: AuditEvent) =>
    format === 'csv' ? `${csvColumns.map((c) => csvCell((e as unknown as Record<string, unknown>)[c])).join(',')}\n` : `${JSON.stringify(e)}\n`;
  let cursor = 0;
  for (;;) {
    if (res.destroyed) return;
    const page = events.readSince(cursor, 1000);
    if (page.length === 0) break;
    let chunk = '';
    for (const e of page) {
      cursor = e.seq;
      const t = Date.parse(e.time);
      if (since !== undefined && t < since) continue;
      if (until !== undefined && t > until) continue;
      chunk += line(e);
    }
    if (chunk && !res.write(chunk)) await drainOrClose(res);
  }
  res.end();
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
