import { describe, expect, it } from 'vitest';
import { mcpEventData, toGuardAction } from '../../../../core/protocols/mcp/action.js';
import { McpSession } from '../../../../core/protocols/mcp/session.js';
import { argumentsKey } from '../../../../core/timeline/arguments.js';
import { loadMcpWire, replay } from '../../../helpers/mcp-fixtures.js';

describe('toGuardAction / mcpEventData', () => {
  const ctx = { client: 'cursor', transport: 'stdio' as const, server: 'files' };

  it('a tools/call request carries the listed hints and pin; unknown tools carry none', () => {
    const s = new McpSession();
    s.sessionId = 'relay-1';
    const { facts } = replay(s, loadMcpWire('tools.json'));
    const call = facts.find((f) => f.type === 'request' && f.toolCall?.name === 'delete_file')!;
    expect(toGuardAction(call, { ...ctx, session: s })).toEqual({
      kind: 'mcp.tool_call', client: 'cursor', transport: 'stdio', server: 'files', session: 'relay-1', method: 'tools/call',
      tool: 'delete_file', arguments: { path: '/etc/passwd' }, annotations: { title: 'Delete', destructiveHint: true, idempotentHint: true }, toolPin: s.tool('delete_file')!.pin,
    });
    const unknown = facts.find((f) => f.type === 'request' && f.toolCall?.name === 'no_such_tool')!;
    const a = toGuardAction(unknown, { ...ctx, session: s });
    expect(a.annotations).toBeUndefined();
    expect(a.toolPin).toBeUndefined();
  });

  it('results carry the text going back to the model; lists carry descriptions', () => {
    const s = new McpSession();
    const { facts } = replay(s, loadMcpWire('tools.json'));
    const result = facts.find((f) => f.type === 'response' && f.toolCall?.name === 'read_file')!;
    expect(toGuardAction(result, ctx).texts).toEqual(['line one\n[image image/png]\nline two']);
    const list = facts.find((f) => f.kind === 'mcp.tools_list' && f.type === 'response')!;
    expect(toGuardAction(list, ctx).toolDescriptions).toEqual([
      { name: 'read_file', description: 'Read file\nRead the complete contents of a file.' },
      { name: 'delete_file', description: 'Delete\nDelete a file.' },
    ]);
  });

  it('event data never holds arguments or result text, and redacts credentials in resource URIs', () => {
    const s = new McpSession();
    s.onClientMessage({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'q', arguments: { password: 'hunter2hunter2' } } });
    const [res] = s.onServerMessage({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'secret rows' }] } });
    const d = mcpEventData(res);
    expect(d).toMatchObject({ argsKey: argumentsKey({ password: 'hunter2hunter2' }), isError: false, resultChars: 11 });
    expect(JSON.stringify(d)).not.toMatch(/hunter2|secret rows/);
    s.onClientMessage({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'postgres://admin:pa55w0rd@db.local/prod' } });
    const [r] = s.onServerMessage({ jsonrpc: '2.0', id: 2, result: { contents: [] } });
    expect(mcpEventData(r).uri).toBe('postgres://db.local/prod');
  });
});
