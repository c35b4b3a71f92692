import type { AuditEvent } from '../../../shared/events.js';
import { effectiveRisk, familyOf, findings, outcomeOf, splitPath, tokenUsage, urlOf } from './fields.js';
import { belayVersion } from './version.js';

/**
 * OCSF 1.3 events, one JSON object per line:
 *   traffic (llm.request, http, a2a.*)            → HTTP Activity      (class 4002, category 4)
 *   tool calls and MCP messages (mcp.*, llm.tool_use) → API Activity   (class 6003, category 6)
 *   detections (alert, tool.changed, server.new)  → Detection Finding  (class 2004, category 2)
 *   an event carrying detector findings           → its activity line AND one Detection Finding
 *   Belay's own events (system, approval, siem.dropped) → Base Event   (class 0)
 * Every line keeps the Belay event under `unmapped.belay` (id, seq, hashes and the
 * fields OCSF has no place for). Mapping table in docs/exports.md.
 */
export const OCSF_VERSION = '1.3.0';

const SEVERITY_ID = { none: 1, low: 2, medium: 3, high: 4, critical: 5 } as const;
const SEVERITY_NAME = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'];
const HTTP_ACTIVITY: Record<string, [number, string]> = {
  CONNECT: [1, 'Connect'], DELETE: [2, 'Delete'], GET: [3, 'Get'], HEAD: [4, 'Head'], OPTIONS: [5, 'Options'],
  POST: [6, 'Post'], PUT: [7, 'Put'], TRACE: [8, 'Trace'],
};

type Ocsf = Record<string, unknown>;

export function toOcsf(e: AuditEvent, version = belayVersion()): Ocsf[] {
  const family = familyOf(e);
  const out: Ocsf[] = [];
  if (family === 'traffic') out.push(httpActivity(e, version));
  else if (family === 'tool') out.push(apiActivity(e, version));
  else if (family === 'detection') out.push(detectionFinding(e, version, 0));
  else out.push(baseEvent(e, version));
  if (family !== 'detection') findings(e).forEach((_, i) => out.push(detectionFinding(e, version, i)));
  return out;
}

function common(e: AuditEvent, version: string, classUid: number, className: string, categoryUid: number, categoryName: string, activityId: number, activityName: string): Ocsf {
  const sev = SEVERITY_ID[effectiveRisk(e)];
  const outcome = outcomeOf(e);
  return prune({
    class_uid: classUid,
    class_name: className,
    category_uid: categoryUid,
    category_name: categoryName,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: classUid * 100 + activityId,
    time: Date.parse(e.time),
    severity_id: sev,
    severity: SEVERITY_NAME[sev],
    status_id: outcome === 'success' ? 1 : outcome === 'failure' ? 2 : 0,
    status: outcome === 'success' ? 'Success' : outcome === 'failure' ? 'Failure' : 'Unknown',
    status_detail: e.error,
    duration: e.latencyMs !== undefined ? Math.round(e.latencyMs) : undefined,
    action_id: e.decision === 'deny' ? 2 : e.decision === 'allow' ? 1 : 99,
    action: e.decision === 'deny' ? 'Denied' : e.decision === 'allow' ? 'Allowed' : e.decision === 'ask' ? 'Asked' : 'Redacted',
    disposition: e.decision === 'deny' ? 'Blocked' : e.decision === 'allow' ? 'Allowed' : undefined,
    metadata: prune({
      version: OCSF_VERSION,
      uid: e.id,
      sequence: e.seq,
      correlation_uid: e.session,
      product: { name: 'Belay', vendor_name: 'Belay', version },
      log_name: 'belay.audit',
    }),
    actor: { app_name: e.client },
    unmapped: { belay: prune({ type: e.type, protocol: e.protocol, transport: e.transport, decision: e.decision, decided_by: e.decidedBy, rule: e.rule, risk: e.risk, links: e.links, data: e.data, seq: e.seq, prev_hash: e.prevHash, hash: e.hash }) },
  });
}

function httpActivity(e: AuditEvent, version: string): Ocsf {
  const [activityId, activityName] = HTTP_ACTIVITY[(e.method ?? '').toUpperCase()] ?? [99, e.method ?? 'Other'];
  const { path, query } = splitPath(e.path);
  const usage = tokenUsage(e);
  const base = common(e, version, 4002, 'HTTP Activity', 4, 'Network Activity', activityId, activityName);
  // OCSF has no LLM fields (yet): the model facts ride in unmapped, next to Belay's fields.
  if (e.provider || e.model) {
    (base.unmapped as Ocsf).gen_ai = prune({ system: e.provider, model: e.model, input_tokens: usage.input, output_tokens: usage.output });
  }
  return prune({
    ...base,
    http_request: prune({
      http_method: e.method,
      url: prune({ hostname: e.host, path, query_string: query, url_string: urlOf(e) }),
      user_agent: e.client,
      length: e.bytesIn,
    }),
    http_response: e.status !== undefined || e.bytesOut !== undefined ? prune({ code: e.status, length: e.bytesOut }) : undefined,
    dst_endpoint: e.host ? { hostname: e.host } : undefined,
    src_endpoint: { hostname: 'localhost' },
  });
}

function apiActivity(e: AuditEvent, version: string): Ocsf {
  const read = e.type === 'mcp.resource_read' || e.type === 'mcp.tools_list' || e.type === 'mcp.prompt_get';
  return prune({
    ...common(e, version, 6003, 'API Activity', 6, 'Application Activity', read ? 2 : 99, read ? 'Read' : 'Invoke'),
    api: prune({
      operation: e.tool ?? e.method ?? e.type,
      service: e.server || e.provider ? { name: e.server ?? e.provider } : undefined,
      request: e.session ? { uid: e.session } : undefined,
      response: e.error ? { error: 'error', error_message: e.error } : undefined,
    }),
    src_endpoint: { hostname: 'localhost', name: e.client },
    dst_endpoint: e.host ? { hostname: e.host } : undefined,
  });
}

function detectionFinding(e: AuditEvent, version: string, index: number): Ocsf {
  const f = findings(e)[index];
  const title = f?.message ?? e.error ?? `${e.type}${e.tool ? ` ${e.tool}` : e.server ? ` ${e.server}` : ''}`;
  const base = common(e, version, 2004, 'Detection Finding', 2, 'Findings', 1, 'Create');
  const sev = f?.severity && f.severity in SEVERITY_ID ? SEVERITY_ID[f.severity as keyof typeof SEVERITY_ID] : (base.severity_id as number);
  return prune({
    ...base,
    severity_id: sev,
    severity: SEVERITY_NAME[sev],
    finding_info: prune({
      uid: f ? `${e.id}/${index}` : e.id,
      title,
      types: [f?.detector ?? e.type],
      analytic: f?.detector ? prune({ name: f.detector, uid: f.ruleId, type_id: 1, type: 'Rule' }) : undefined,
      related_events: [{ uid: e.id }],
      desc: f?.where ? `at ${f.where}` : undefined,
    }),
    resources: e.server || e.tool ? [prune({ name: e.tool ?? e.server, type: e.tool ? 'tool' : 'server' })] : undefined,
  });
}

function baseEvent(e: AuditEvent, version: string): Ocsf {
  return common(e, version, 0, 'Base Event', 0, 'Uncategorized', 99, 'Other');
}

function prune<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
