import type { EventsQuery } from '../../shared/api.js';
import type { Decision, EventType, Risk } from '../../shared/events.js';
import { HttpError } from './http-util.js';

const decisions: Decision[] = ['allow', 'ask', 'deny', 'redact'];
const risks: Risk[] = ['none', 'low', 'medium', 'high', 'critical'];
const types: EventType[] = [
  'llm.request', 'llm.tool_use', 'mcp.initialize', 'mcp.tools_list', 'mcp.tool_call', 'mcp.resource_read', 'mcp.prompt_get',
  'mcp.message', 'a2a.agent_card', 'a2a.message', 'http', 'tool.changed', 'server.new', 'approval', 'alert', 'siem.dropped', 'system',
];

function int(name: string, v: string | null, min: number, max: number): number | undefined {
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new HttpError(400, `"${name}" must be a whole number from ${min} to ${max} (got "${v}").`);
  return Number(v);
}

function oneOf<T extends string>(name: string, v: string | null, allowed: readonly T[]): T | undefined {
  if (v === null || v === '') return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new HttpError(400, `"${name}" must be one of ${allowed.join(', ')} (got "${v}").`);
  return v as T;
}

function text(name: string, v: string | null, max = 500): string | undefined {
  if (v === null || v === '') return undefined;
  if (v.length > max) throw new HttpError(400, `"${name}" is longer than ${max} characters.`);
  return v;
}

function time(name: string, v: string | null): string | undefined {
  if (v === null || v === '') return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError(400, `"${name}" is not a time: use ISO 8601 or ms since epoch.`);
  return new Date(t).toISOString();
}

/** GET /api/events query string → EventsQuery, with a 400 naming any bad parameter. */
export function parseEventsQuery(p: URLSearchParams): EventsQuery {
  const q: EventsQuery = {
    limit: int('limit', p.get('limit'), 1, 1000) ?? 200,
    beforeSeq: int('beforeSeq', p.get('beforeSeq'), 0, Number.MAX_SAFE_INTEGER),
    afterSeq: int('afterSeq', p.get('afterSeq'), 0, Number.MAX_SAFE_INTEGER),
    client: text('client', p.get('client')),
    type: oneOf('type', p.get('type'), types),
    decision: oneOf('decision', p.get('decision'), decisions),
    provider: text('provider', p.get('provider')),
    server: text('server', p.get('server')),
    risk: oneOf('risk', p.get('risk'), risks),
    session: text('session', p.get('session'), 1000),
    text: text('text', p.get('text')),
    since: time('since', p.get('since')),
    until: time('until', p.get('until')),
  };
  for (const k of Object.keys(q) as (keyof EventsQuery)[]) if (q[k] === undefined) delete q[k];
  return q;
}
