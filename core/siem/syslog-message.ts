import type { AuditEvent, Risk } from '../../shared/events.js';

/**
 * RFC 5424 syslog messages for audit events, and the octet-counting frame of RFC 6587 /
 * RFC 5425 (`LEN SP MSG`) used on TCP and TLS.
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [belay@32473 id=".." seq=".." ...] MSG
 *
 * 32473 is the private enterprise number RFC 5612 reserves for documentation; the
 * SD-ID only has to be unique to Belay's own parameters.
 */

export const SD_ID = 'belay@32473';

/** Severity from the event's risk and decision: a refusal is never below warning. */
export function severityOf(e: Pick<AuditEvent, 'risk' | 'decision' | 'type'>): number {
  const byRisk: Record<Risk, number> = { none: 6, low: 6, medium: 5, high: 4, critical: 2 };
  let sev = e.risk ? byRisk[e.risk] : 6;
  if (e.decision === 'deny') sev = Math.min(sev, 4);
  if (e.type === 'siem.dropped' || e.type === 'alert') sev = Math.min(sev, 4);
  return sev;
}

/** HOSTNAME, APP-NAME, PROCID and MSGID are PRINTUSASCII without spaces, or "-". */
function header(value: string | undefined, max: number): string {
  const v = (value ?? '').replace(/[^!-~]/g, '_').slice(0, max);
  return v.length ? v : '-';
}

/** PARAM-VALUE escapes `"`, `\` and `]`. */
function sdValue(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

export interface SyslogHeader {
  facility: number;
  hostname: string;
  appName: string;
  procId: string;
}

export function formatSyslog(e: AuditEvent, h: SyslogHeader, body: string): string {
  const pri = h.facility * 8 + severityOf(e);
  const params: [string, string | number | undefined][] = [
    ['id', e.id],
    ['seq', e.seq],
    ['type', e.type],
    ['decision', e.decision],
    ['risk', e.risk],
    ['client', e.client],
  ];
  const sd = `[${SD_ID}${params
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => ` ${k}="${sdValue(String(v))}"`)
    .join('')}]`;
  // RFC 5424 TIMESTAMP allows at most 6 fraction digits; toISOString gives 3.
  const time = Number.isNaN(Date.parse(e.time)) ? '-' : new Date(e.time).toISOString();
  return `<${pri}>1 ${time} ${header(h.hostname, 255)} ${header(h.appName, 48)} ${header(h.procId, 128)} ${header(e.type, 32)} ${sd} ${body}`;
}

/** Octet counting: the byte length of the message, a space, the message. */
export function frameOctetCounted(msg: string): Buffer {
  const body = Buffer.from(msg, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
