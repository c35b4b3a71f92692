import type { AuditEvent } from '../../../shared/events.js';
import { effectiveRisk, outcomeOf, tokenUsage, urlOf } from './fields.js';
import { belayVersion } from './version.js';

/**
 * ArcSight CEF: `CEF:0|Belay|Belay|<version>|<signature>|<name>|<severity>|<extensions>`.
 * Header fields escape `\` and `|`; extension values escape `\`, `=` and line breaks
 * (as \n / \r). The signature is the event type; severity 0–10 follows the event's risk
 * (a refused flow is at least medium). Field mapping in docs/exports.md.
 */
const SEVERITY = { none: 1, low: 3, medium: 5, high: 8, critical: 10 } as const;

export function escapeCefHeader(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, ' ');
}

export function escapeCefValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\n/g, '\\n').replace(/\r/g, '\\r');
}

function cefName(e: AuditEvent): string {
  const what = e.tool ?? e.model ?? e.server ?? e.host ?? e.type;
  const verb = e.decision === 'deny' ? 'refused' : e.decision === 'ask' ? 'asked' : e.decision === 'redact' ? 'redacted' : 'allowed';
  return `${e.type} ${what} ${verb}`;
}

export function formatCef(e: AuditEvent, version = belayVersion()): string {
  const usage = tokenUsage(e);
  const ext: [string, string | number | undefined][] = [
    ['rt', Date.parse(e.time)],
    ['externalId', e.id],
    ['act', e.decision],
    ['outcome', outcomeOf(e)],
    ['app', e.protocol],
    ['requestClientApplication', e.client],
    ['dhost', e.host],
    ['request', urlOf(e)],
    ['requestMethod', e.method],
    ['reason', e.rule],
    ['msg', e.error],
    ['in', e.bytesIn],
    ['out', e.bytesOut],
    ['cn1Label', 'seq'], ['cn1', e.seq],
    ['cn2Label', 'status'], ['cn2', e.status],
    ['cn3Label', 'latencyMs'], ['cn3', e.latencyMs],
    ['cs1Label', 'tool'], ['cs1', e.tool],
    ['cs2Label', 'model'], ['cs2', e.model],
    ['cs3Label', 'serverOrProvider'], ['cs3', e.server ?? e.provider],
    ['cs4Label', 'hash'], ['cs4', e.hash],
    ['cs5Label', 'prevHash'], ['cs5', e.prevHash],
    ['cs6Label', 'session'], ['cs6', e.session],
    ['flexString1Label', 'decidedBy'], ['flexString1', e.decidedBy],
    ['flexString2Label', 'transport'], ['flexString2', e.transport],
    ['cfp1Label', 'inputTokens'], ['cfp1', usage.input],
    ['cfp2Label', 'outputTokens'], ['cfp2', usage.output],
  ];
  const pairs: string[] = [];
  for (let i = 0; i < ext.length; i++) {
    const [k, v] = ext[i];
    if (k.endsWith('Label')) {
      // A label only travels with its value.
      const value = ext[i + 1][1];
      if (value === undefined || value === '') {
        i++;
        continue;
      }
    }
    if (v === undefined || v === '' || (typeof v === 'number' && !Number.isFinite(v))) continue;
    pairs.push(`${k}=${escapeCefValue(String(v))}`);
  }
  const header = ['CEF:0', 'Belay', 'Belay', version, e.type, cefName(e), String(SEVERITY[effectiveRisk(e)])].map((h, i) => (i === 0 ? h : escapeCefHeader(h)));
  return `${header.join('|')}|${pairs.join(' ')}`;
}
