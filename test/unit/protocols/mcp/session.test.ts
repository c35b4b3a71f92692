import { describe, expect, it } from 'vitest';
import { McpSession } from '../../../../core/protocols/mcp/session.js';
import { loadMcpWire, replay } from '../../../helpers/mcp-fixtures.js';

describe('McpSession over the fixtures', () => {
  it('initialize: client and server info, negotiated version, capabilities, latency', () => {
    const s = new McpSession();
    const { facts } = replay(s, loadMcpWire('lifecycle.json'), { t: 1000, step: 5 });
    const [req, res, initialized, ping, pong] = facts;
    expect(req).toMatchObject({ direction: 'client-to-server', type: 'request', kind: 'mcp.initialize', id: 0 });
    expect(req.initialize).toEqual({
      client: { name: 'claude-ai', version: '0.1.0' },
      protocolVersion: '2025-06-18',
      clientCapabilities: { roots: { listChanged: true }, sampling: {}, elicitation: {} },
    });
    expect(res).toMatchObject({ direction: 'server-to-client', type: 'response', kind: 'mcp.initialize', method: 'initialize', matched: true, latencyMs: 5 });
    expect(res.initialize?.server).toEqual({ name: 'example-files', title: 'Example file server', version: '1.4.2' });
    expect(res.initialize?.client?.name).toBe('claude-ai');
    expect(res.initialize?.instructions).toBe('Use read_file before write_file.');
    expect(res.initialize?.serverCapabilities).toHaveProperty('tools');
    expect(s.serverInfo?.name).toBe('example-files');
    expect(s.protocolVersion).toBe('2025-06-18');
    expect(initialized).toMatchObject({ type: 'notification', method: 'notifications/initialized', kind: 'mcp.message' });
    expect(ping).toMatchObject({ id: 'ping-1', kind: 'mcp.message' });
    expect(pong).toMatchObject({ id: 'ping-1', method: 'ping', matched: true });
    expect(s.pendingCount).toBe(0);
  });

  it('tools: pages merged, hints checked, pins attached, calls with results, errors and list_changed', () => {
    const s = new McpSession();
    const { facts } = replay(s, loadMcpWire('tools.json'));
    const list1 = facts[1];
    expect(list1.kind).toBe('mcp.tools_list');
    expect(list1.nextCursor).toBe('page-2');
    expect(list1.tools?.map((t) => t.name)).toEqual(['read_file', 'delete_file']);
    expect(list1.tools?.[0].annotations).toEqual({ readOnlyHint: true, openWorldHint: false });
    // A hint that is not a boolean is dropped, never read as true.
    expect(list1.tools?.[1].annotations).toEqual({ title: 'Delete', destructiveHint: true, idempotentHint: true });
    expect(list1.tools?.[0].pin).toMatch(/^[0-9a-f]{64}$/);
    const list2 = facts[3];
    expect(list2.tools?.map((t) => t.name)).toEqual(['run_command']);
    expect(s.tools().map((t) => t.name)).toEqual(['read_file', 'delete_file', 'run_command']);
    expect(s.tool('delete_file')?.annotations?.destructiveHint).toBe(true);

    const call = facts[4];
    expect(call).toMatchObject({ kind: 'mcp.tool_call', id: 7, toolCall: { name: 'read_file', arguments: { path: '/tmp/notes.txt' } } });
    expect(facts[5]).toMatchObject({ type: 'notification', method: 'notifications/progress' });
    const result = facts[6];
    expect(result.toolCall).toEqual({
      name: 'read_file',
      arguments: { path: '/tmp/notes.txt' },
      result: { text: 'line one\n[image image/png]\nline two', truncated: false, types: ['text', 'image', 'text'], isError: false },
    });
    expect(facts[8].toolCall?.result).toMatchObject({ isError: true, text: 'EACCES: permission denied' });
    const err = facts[10];
    expect(err).toMatchObject({ type: 'error', kind: 'mcp.tool_call', error: { code: -32602, message: 'Unknown tool: no_such_tool' } });
    expect(err.toolCall?.result?.isError).toBe(true);
    expect(facts[11]).toMatchObject({ listChanged: 'tools', direction: 'server-to-client' });
  });

  it('a fresh first page replaces the known tools (removed tools are forgotten)', () => {
    const s = new McpSession();
    replay(s, loadMcpWire('tools.json'));
    s.onClientMessage({ jsonrpc: '2.0', id: 'again', method: 'tools/list' });
    s.onServerMessage({ jsonrpc: '2.0', id: 'again', result: { tools: [{ name: 'read_file', inputSchema: { type: 'object' } }] } });
    expect(s.tools().map((t) => t.name)).toEqual(['read_file']);
  });

  it('resources/read and prompts/get', () => {
    const s = new McpSession();
    const { facts } = replay(s, loadMcpWire('resources-prompts.json'));
    expect(facts[0]).toMatchObject({ kind: 'mcp.resource_read', resource: { uri: 'file:///project/README.md' } });
    expect(facts[1].resource?.result).toEqual({ text: '# Project\n[blob image/png]', truncated: false, types: ['text', 'blob'] });
    expect(facts[2]).toMatchObject({ kind: 'mcp.prompt_get', prompt: { name: 'code_review', arguments: { code: 'def f(): pass' } } });
    expect(facts[3].prompt?.result?.text).toBe('Please review this code:\ndef f(): pass');
  });

  it('batch members are matched by id, and 1 is not "1"', () => {
    const s = new McpSession();
    const { facts } = replay(s, loadMcpWire('batch.json'));
    expect(facts).toHaveLength(5);
    const [resB, resA] = facts.slice(3);
    expect(resB).toMatchObject({ id: '1', kind: 'mcp.resource_read', resource: { uri: 'file:///b.txt', result: { text: 'B' } } });
    expect(resA).toMatchObject({ id: 1, kind: 'mcp.tool_call', toolCall: { name: 'read_file', result: { text: 'A' } } });
  });

  it('server-to-client requests are matched to the client answers; cancelled requests are forgotten', () => {
    const s = new McpSession();
    const { facts } = replay(s, loadMcpWire('server-requests.json'));
    expect(facts[0]).toMatchObject({ direction: 'server-to-client', type: 'request', method: 'sampling/createMessage' });
    expect(facts[1]).toMatchObject({ direction: 'client-to-server', type: 'response', method: 'sampling/createMessage', matched: true });
    expect(facts[3]).toMatchObject({ method: 'roots/list', matched: true });
    expect(facts[5]).toMatchObject({ method: 'notifications/cancelled', cancelledId: 20 });
    expect(s.pendingCount).toBe(0);
  });

  it('garbage yields errors and unmatched responses are marked, never thrown', () => {
    const s = new McpSession();
    const { facts, errors } = replay(s, loadMcpWire('garbage.json'));
    expect(errors.slice(0, 7).every((e) => typeof e === 'string')).toBe(true);
    const parseErr = facts.find((f) => f.type === 'error');
    expect(parseErr).toMatchObject({ id: null, matched: false, error: { code: -32700 } });
    const stray = facts.find((f) => f.id === 999);
    expect(stray).toMatchObject({ matched: false, kind: 'mcp.message' });
  });

  it('caps result text and the number of pending requests', () => {
    const s = new McpSession({ maxResultText: 10, maxPending: 3 });
    s.onClientMessage({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't', arguments: {} } });
    const [f] = s.onServerMessage({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'x'.repeat(100) }] } });
    expect(f.toolCall?.result).toMatchObject({ text: 'x'.repeat(10), truncated: true });
    for (let i = 0; i < 10; i++) s.onClientMessage({ jsonrpc: '2.0', id: i, method: 'ping' });
    expect(s.pendingCount).toBe(3);
    expect(s.onServerMessage({ jsonrpc: '2.0', id: 0, result: {} })[0].matched).toBe(false);
    expect(s.onServerMessage({ jsonrpc: '2.0', id: 9, result: {} })[0].matched).toBe(true);
  });

  it('uses structuredContent when a result has no text', () => {
    const s = new McpSession();
    s.onClientMessage({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'weather' } });
    const [f] = s.onServerMessage({ jsonrpc: '2.0', id: 1, result: { content: [], structuredContent: { temp: 21 } } });
    expect(f.toolCall).toMatchObject({ arguments: {}, result: { text: '{"temp":21}', types: ['structured'] } });
  });
});
