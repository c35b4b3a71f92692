import type { ServerResponse } from 'node:http';
import { EXPORT_FORMATS, type ExportFormat } from '../audit/export/index.js';
import type { ExportService } from './services.js';
import { HttpError } from './http-util.js';

const CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  ocsf: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  cef: 'text/plain; charset=utf-8',
};

function parseTimeParam(name: string, v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError(400, `"${name}" is not a time: use ISO 8601 or ms since epoch.`);
  return t;
}

/**
 * Streams the audit log as a download, in the same formats and with the same chain head
 * as `belay log export` (one exporter: core/audit/export). The exporter pages the
 * database and waits for the socket to drain, so a million events are never held in
 * memory. The download is a response, never a file path on disk.
 */
export async function streamExport(exports: ExportService, params: URLSearchParams, res: ServerResponse): Promise<void> {
  const format = (params.get('format') ?? 'jsonl') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new HttpError(400, `"format" must be one of ${EXPORT_FORMATS.join(', ')} (got "${format}").`);
  const since = parseTimeParam('since', params.get('since'));
  const until = parseTimeParam('until', params.get('until'));
  const stamp = new Date().toISOString().slice(0, 10);
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[format],
    'Content-Disposition': `attachment; filename="belay-audit-${stamp}.${format === 'ocsf' ? 'ocsf.jsonl' : format}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  await exports.run({ format, since, until }, res);
  if (!res.writableEnded) res.end();
}
