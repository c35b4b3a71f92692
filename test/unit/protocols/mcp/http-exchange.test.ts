import { describe, expect, it } from 'vitest';
import { McpHttpExchange } from '../../../../core/protocols/mcp/http-exchange.js';
import { McpHttpSessions } from '../../../../core/protocols/mcp/http-sessions.js';

const post = (headers: Record<string, string> = {}) => ({ method: 'POST', host: 'h', path: '/mcp', headers: { accept: 'application/json, text/event-stream', ...headers } });
const enc = (s: string) => new TextEncoder().encode(s);

describe('McpHttpExchange', () => {
  it('JSON answers: copied as they pass, parsed at the end, whatever the chunking', () => {
    const reg = new McpHttpSessions();
    const init = new McpHttpExchange(reg, post(), 'cursor', '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}');
    expect(init.requestFacts[0]).toMatchObject({ kind: 'mcp.initialize', initialize: { client: { name: 'c' } } });
    init.onResponseHeaders(200, { 'content-type': 'application/json', 'mcp-session-id': 'S' });
    const body = enc('{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"srv","version":"2"}}}');
    for (let i = 0; i < body.length; i += 5) expect(init.onResponseChunk(body.subarray(i, i + 5))).toEqual([]);
    const [f] = init.onResponseEnd();
    expect(f).toMatchObject({ matched: true, initialize: { server: { name: 'srv' } } });

    const next = new McpHttpExchange(reg, post({ 'mcp-session-id': 'S' }), 'cursor', enc('{"jsonrpc":"2.0","method":"notifications/initialized"}'));
    expect(next.entry).toBe(init.entry);
    next.onResponseHeaders(202, {});
    expect(next.onResponseEnd()).toEqual([]);
  });

  it('an oversize JSON answer passes uninspected, with a note; an unreadable request body is reported', () => {
    const reg = new McpHttpSessions();
    const ex = new McpHttpExchange(reg, post({ 'mcp-session-id': 'S' }), 'x', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { maxJsonBody: 10 });
    ex.onResponseHeaders(200, { 'Content-Type': 'application/json' });
    ex.onResponseChunk(enc('{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}'));
    expect(ex.onResponseEnd()).toEqual([]);
    expect(ex.responseError).toMatch(/larger than 10 bytes/);

    const bad = new McpHttpExchange(reg, post({ 'mcp-session-id': 'S' }), 'x', '{"jsonrpc":');
    expect(bad.requestError).toMatch(/not JSON/);
    expect(bad.requestFacts).toEqual([]);
  });

  it('a DELETE ends the session', () => {
    const reg = new McpHttpSessions();
    const a = new McpHttpExchange(reg, post({ 'mcp-session-id': 'S' }), 'x', '{"jsonrpc":"2.0","id":1,"method":"ping"}');
    new McpHttpExchange(reg, { method: 'DELETE', host: 'h', path: '/mcp', headers: { 'mcp-session-id': 'S' } }, 'x');
    expect(new McpHttpExchange(reg, post({ 'mcp-session-id': 'S' }), 'x').entry).not.toBe(a.entry);
  });
});
