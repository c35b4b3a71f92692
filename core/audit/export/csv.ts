import type { AuditEvent } from '../../../shared/events.js';

/**
 * CSV per RFC 4180: a header row, CRLF line ends, a field quoted when it holds a comma,
 * a quote, CR or LF (quotes doubled). Text cells that a spreadsheet would run as a
 * formula (starting with = + - @, tab or CR) get a leading apostrophe, as OWASP advises
 * against CSV injection: tool arguments and paths are attacker-controlled text. Numbers
 * are written as numbers and never prefixed.
 */
export const CSV_COLUMNS = [
  'seq', 'id', 'time', 'type', 'protocol', 'transport', 'client', 'provider', 'server', 'tool', 'model',
  'method', 'host', 'path', 'status', 'latency_ms', 'bytes_in', 'bytes_out', 'decision', 'decided_by',
  'rule', 'risk', 'error', 'session', 'links', 'data', 'prev_hash', 'hash',
] as const;

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = typeof value === 'string' ? value : JSON.stringify(value);
  // Apostrophes already in front are counted too, so the guard can be undone exactly.
  if (/^'*[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(e: AuditEvent): string {
  const values: unknown[] = [
    e.seq, e.id, e.time, e.type, e.protocol, e.transport, e.client, e.provider, e.server, e.tool, e.model,
    e.method, e.host, e.path, e.status, e.latencyMs, e.bytesIn, e.bytesOut, e.decision, e.decidedBy,
    e.rule, e.risk, e.error, e.session, e.links && e.links.length > 0 ? e.links : undefined, e.data, e.prevHash, e.hash,
  ];
  return `${values.map(csvCell).join(',')}\r\n`;
}
