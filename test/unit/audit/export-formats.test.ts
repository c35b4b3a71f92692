import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/events.js';
import { escapeCefHeader, escapeCefValue, formatCef } from '../../../core/audit/export/cef.js';
import { CSV_COLUMNS, csvCell, csvHeader, csvRow } from '../../../core/audit/export/csv.js';
import { fromEcs, toEcs } from '../../../core/audit/export/ecs.js';
import { toOcsf } from '../../../core/audit/export/ocsf.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

const toolCall: AuditEvent = {
  id: '01JNQ7Y8Z9ABCDEFGHJKMNPQRS', seq: 7, time: '2026-03-04T05:06:07.089Z', type: 'mcp.tool_call', protocol: 'mcp',
  transport: 'stdio', client: 'claude-desktop', server: 'shell', tool: 'run|x=1', method: 'tools/call', decision: 'deny',
  decidedBy: 'policy', rule: 'no-rm', risk: 'high', error: 'refused:\nline2 \\ back', latencyMs: 3, session: 's1',
  data: { arguments: { command: 'rm -rf /' }, findings: [{ detector: 'destructive-command', severity: 'critical', message: 'rm -rf on /', ruleId: 'rm-rf', where: 'arguments.command' }] },
  prevHash: A, hash: B,
};

const llmCall: AuditEvent = {
  id: '01JNQ7Y8Z9ABCDEFGHJKMNPQRT', seq: 8, time: '2026-03-04T05:06:08.000Z', type: 'llm.request', protocol: 'llm',
  transport: 'proxy', client: 'cursor', provider: 'openai', model: 'gpt-4o', method: 'POST', host: 'api.openai.com',
  path: '/v1/chat/completions?api-version=REDACTED', status: 200, latencyMs: 812.5, bytesIn: 900, bytesOut: 4000,
  decision: 'allow', links: ['01JNQ7Y8Z9ABCDEFGHJKMNPQRS'],
  data: { usage: { inputTokens: 1200, outputTokens: 85 }, stream: true },
  prevHash: B, hash: A,
};

describe('CEF', () => {
  it('escapes | and \\ in the header, = \\ and line breaks in extensions (golden line)', () => {
    expect(formatCef(toolCall, '1.2.3')).toBe(
      'CEF:0|Belay|Belay|1.2.3|mcp.tool_call|mcp.tool_call run\\|x=1 refused|8|' +
        `rt=${Date.parse(toolCall.time)} externalId=01JNQ7Y8Z9ABCDEFGHJKMNPQRS act=deny outcome=failure app=mcp requestClientApplication=claude-desktop ` +
        'requestMethod=tools/call reason=no-rm msg=refused:\\nline2 \\\\ back cn1Label=seq cn1=7 cn3Label=latencyMs cn3=3 ' +
        'cs1Label=tool cs1=run|x\\=1 cs3Label=serverOrProvider cs3=shell ' +
        `cs4Label=hash cs4=${B} cs5Label=prevHash cs5=${A} cs6Label=session cs6=s1 ` +
        'flexString1Label=decidedBy flexString1=policy flexString2Label=transport flexString2=stdio',
    );
  });

  it('escape helpers', () => {
    expect(escapeCefHeader('a|b\\c\nd')).toBe('a\\|b\\\\c d');
    expect(escapeCefValue('k=v\\x\r\ny\rz|')).toBe('k\\=v\\\\x\\ny\\rz|');
  });

  it('an LLM call carries URL, status and token counts', () => {
    const line = formatCef(llmCall, '1.2.3');
    expect(line.startsWith('CEF:0|Belay|Belay|1.2.3|llm.request|llm.request gpt-4o allowed|1|')).toBe(true);
    expect(line).toContain('request=https://api.openai.com/v1/chat/completions?api-version\\=REDACTED');
    expect(line).toContain('cn2Label=status cn2=200');
    expect(line).toContain('cfp1Label=inputTokens cfp1=1200 cfp2Label=outputTokens cfp2=85');
  });
});

describe('CSV', () => {
  it('quotes commas, quotes and newlines, and defuses formulas (golden row)', () => {
    expect(csvHeader()).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
    const row = csvRow({ ...toolCall, tool: '=HYPERLINK("http://x")', path: '/a,b', data: {} });
    expect(row).toBe(
      `7,01JNQ7Y8Z9ABCDEFGHJKMNPQRS,2026-03-04T05:06:07.089Z,mcp.tool_call,mcp,stdio,claude-desktop,,shell,"'=HYPERLINK(""http://x"")",,` +
        `tools/call,,"/a,b",,3,,,deny,policy,no-rm,high,"refused:\nline2 \\ back",s1,,{},${A},${B}\r\n`,
    );
  });

  it('cells', () => {
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell('@sum')).toBe("'@sum");
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a"b')).toBe('"a""b"');
    expect(csvCell({ k: 'v,w' })).toBe('"{""k"":""v,w""}"');
  });
});

describe('ECS (JSONL)', () => {
  it('puts the standard fields where Elastic expects them', () => {
    const doc = toEcs(llmCall, '1.2.3') as Record<string, any>;
    expect(doc['@timestamp']).toBe('2026-03-04T05:06:08.000Z');
    expect(doc.event).toMatchObject({ id: llmCall.id, kind: 'event', action: 'llm.request', outcome: 'success', sequence: 8, duration: 812_500_000 });
    expect(doc.user_agent).toEqual({ name: 'cursor' });
    expect(doc.url).toEqual({ domain: 'api.openai.com', path: '/v1/chat/completions', query: 'api-version=REDACTED' });
    expect(doc.http).toEqual({ request: { method: 'POST' }, response: { status_code: 200 } });
    expect(doc.gen_ai).toEqual({ system: 'openai', request: { model: 'gpt-4o' }, usage: { input_tokens: 1200, output_tokens: 85 } });
    const tool = toEcs(toolCall, '1.2.3') as Record<string, any>;
    expect(tool.gen_ai).toEqual({ tool: { name: 'run|x=1' } });
    expect(tool.event).toMatchObject({ kind: 'alert', outcome: 'failure', severity: 73 });
    expect(tool.http).toBeUndefined(); // tools/call is not an HTTP method
  });

  it('keeps every field so the event comes back whole (the chain can be re-checked from an export)', () => {
    expect(fromEcs(JSON.parse(JSON.stringify(toEcs(llmCall))))).toEqual(llmCall);
    expect(fromEcs(JSON.parse(JSON.stringify(toEcs(toolCall))))).toEqual(toolCall);
  });
});

describe('OCSF', () => {
  it('tool call → API Activity plus one Detection Finding per finding', () => {
    const [api, finding, ...rest] = toOcsf(toolCall, '1.2.3') as Record<string, any>[];
    expect(rest).toEqual([]);
    expect(api).toMatchObject({
      class_uid: 6003, category_uid: 6, activity_id: 99, type_uid: 600399, time: Date.parse(toolCall.time), severity_id: 4,
      status_id: 2, action: 'Denied', disposition: 'Blocked',
      api: { operation: 'run|x=1', service: { name: 'shell' } },
      actor: { app_name: 'claude-desktop' },
      metadata: { version: '1.3.0', uid: toolCall.id, product: { name: 'Belay', vendor_name: 'Belay', version: '1.2.3' } },
      unmapped: { belay: { seq: 7, hash: B, prev_hash: A } },
    });
    expect(finding).toMatchObject({
      class_uid: 2004, category_uid: 2, activity_id: 1, type_uid: 200401, severity_id: 5,
      finding_info: { uid: `${toolCall.id}/0`, title: 'rm -rf on /', analytic: { name: 'destructive-command', uid: 'rm-rf' }, related_events: [{ uid: toolCall.id }] },
    });
  });

  it('LLM traffic → HTTP Activity with the method as activity', () => {
    const [http] = toOcsf(llmCall, '1.2.3') as Record<string, any>[];
    expect(http).toMatchObject({
      class_uid: 4002, category_uid: 4, activity_id: 6, activity_name: 'Post', type_uid: 400206, status_id: 1,
      http_request: { http_method: 'POST', url: { hostname: 'api.openai.com', path: '/v1/chat/completions', query_string: 'api-version=REDACTED' } },
      http_response: { code: 200, length: 4000 },
      unmapped: { gen_ai: { system: 'openai', model: 'gpt-4o', input_tokens: 1200, output_tokens: 85 } },
    });
  });

  it("Belay's own events are Base Events; tool.changed is a finding", () => {
    expect(toOcsf({ ...llmCall, type: 'system', protocol: 'belay' })[0]).toMatchObject({ class_uid: 0 });
    expect(toOcsf({ ...toolCall, type: 'tool.changed', data: {} })).toHaveLength(1);
    expect(toOcsf({ ...toolCall, type: 'tool.changed', data: {} })[0]).toMatchObject({ class_uid: 2004 });
  });
});
