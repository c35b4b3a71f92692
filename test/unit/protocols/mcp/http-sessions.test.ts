import { describe, expect, it } from 'vitest';
import { describeMcpHttpRequest, isSseResponse, legacyEndpoint } from '../../../../core/protocols/mcp/http.js';
import { McpHttpSessions } from '../../../../core/protocols/mcp/http-sessions.js';
import { parseJsonRpc } from '../../../../core/protocols/mcp/jsonrpc.js';
import { sseFrames } from '../../../helpers/mcp-fixtures.js';

const accept = 'application/json, text/event-stream';
const init = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'cursor', version: '1.0' } } };

describe('describeMcpHttpRequest', () => {
  it('recognises Streamable HTTP POST, GET stream and DELETE', () => {
    expect(describeMcpHttpRequest({ method: 'POST', host: 'MCP.example.com', path: '/mcp?x=1', headers: { Accept: accept } })).toEqual({
      transport: 'streamable', role: 'message', serverKey: 'mcp.example.com/mcp', acceptsSse: true,
    });
    expect(describeMcpHttpRequest({ method: 'GET', host: 'h', path: '/mcp', headers: { 'mcp-session-id': 'abc', 'MCP-Protocol-Version': '2025-06-18', accept: 'text/event-stream' } }))
      .toMatchObject({ transport: 'streamable', role: 'stream', sessionId: 'abc', protocolVersion: '2025-06-18' });
    expect(describeMcpHttpRequest({ method: 'DELETE', host: 'h', path: '/mcp', headers: { 'Mcp-Session-Id': ['abc'] } })).toMatchObject({ role: 'end-session', sessionId: 'abc' });
  });

  it('recognises the legacy transport', () => {
    expect(describeMcpHttpRequest({ method: 'GET', host: 'h:3001', path: '/sse', headers: { accept: 'text/event-stream' } })).toMatchObject({ transport: 'legacy-sse', role: 'stream' });
    expect(describeMcpHttpRequest({ method: 'POST', host: 'h:3001', path: '/messages?sessionId=s1', headers: {} })).toMatchObject({ transport: 'legacy-sse', legacySessionId: 's1' });
  });

  it('reads the endpoint event, relative or absolute', () => {
    expect(legacyEndpoint({ event: 'endpoint', data: '/messages?sessionId=abc' }, '/sse')).toEqual({ path: '/messages?sessionId=abc', sessionId: 'abc' });
    expect(legacyEndpoint({ event: 'endpoint', data: 'messages?sessionId=q' }, '/mcp/sse')).toEqual({ path: '/mcp/messages?sessionId=q', sessionId: 'q' });
    expect(legacyEndpoint({ event: 'endpoint', data: 'http://h:1/m?sessionId=z' })).toMatchObject({ sessionId: 'z' });
    expect(legacyEndpoint({ event: 'message', data: '/messages?sessionId=abc' })).toBeUndefined();
    expect(isSseResponse({ 'Content-Type': 'text/event-stream; charset=utf-8' })).toBe(true);
    expect(isSseResponse({ 'content-type': 'application/json' })).toBe(false);
  });
});

describe('McpHttpSessions', () => {
  it('binds a Streamable HTTP session when the initialize response names it', () => {
    const reg = new McpHttpSessions();
    const req = { method: 'POST', host: 'mcp.example.com', path: '/mcp', headers: { accept } };
    const e = reg.forRequest(req, 'cursor', parseJsonRpc(init).messages);
    e.session.onClientMessage(parseJsonRpc(init).messages);
    reg.onResponseHeaders(e, { 'mcp-session-id': 'sess-1', 'content-type': 'text/event-stream' });
    expect(e).toMatchObject({ transport: 'streamable', server: 'mcp.example.com/mcp' });
    expect(e.session.sessionId).toBe('sess-1');
    const later = reg.forRequest({ ...req, headers: { accept, 'Mcp-Session-Id': 'sess-1' } }, 'cursor');
    expect(later).toBe(e);
    // Another session to the same server stays apart.
    const other = reg.forRequest({ ...req, headers: { 'mcp-session-id': 'sess-2' } }, 'cursor');
    expect(other).not.toBe(e);
    expect(reg.end({ ...req, method: 'DELETE', headers: { 'mcp-session-id': 'sess-1' } })).toBe(true);
    expect(reg.forRequest({ ...req, headers: { 'mcp-session-id': 'sess-1' } }, 'cursor')).not.toBe(e);
  });

  it('answers in SSE on a POST are read frame by frame and matched', () => {
    const reg = new McpHttpSessions();
    const e = reg.forRequest({ method: 'POST', host: 'h', path: '/mcp', headers: { 'mcp-session-id': 's' } }, 'vscode');
    e.session.onClientMessage({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'delete_files', arguments: { glob: '*.tmp' } } });
    const out = sseFrames('streamable-post.sse', 7).map((f) => reg.onServerFrame(e, f));
    expect(out[0].facts[0]).toMatchObject({ method: 'notifications/progress' });
    expect(out[1].facts[0]).toMatchObject({ matched: true, toolCall: { name: 'delete_files', result: { text: 'deleted 3 files', isError: false } } });
  });

  it('stateless servers share one session per client and server', () => {
    const reg = new McpHttpSessions();
    const req = { method: 'POST', host: 'h', path: '/mcp', headers: {} };
    const e = reg.forRequest(req, 'claude-code', parseJsonRpc(init).messages);
    reg.onResponseHeaders(e, { 'content-type': 'application/json' });
    expect(e.transport).toBe('stateless');
    expect(reg.forRequest(req, 'claude-code')).toBe(e);
    expect(reg.forRequest(req, 'cursor')).not.toBe(e);
  });

  it('legacy HTTP+SSE: the endpoint event binds the stream, POSTs find it, answers arrive on the stream', () => {
    const reg = new McpHttpSessions();
    const stream = reg.forRequest({ method: 'GET', host: 'legacy.local:3001', path: '/sse', headers: { accept: 'text/event-stream' } }, 'claude-desktop');
    const frames = sseFrames('legacy-sse.sse', 1);
    const first = reg.onServerFrame(stream, frames[0]);
    expect(first.endpoint).toBe('/messages?sessionId=6f1c2b7e-4d1a-4c55-9b57-1f7e0d3a9c21');
    expect(stream.session.sessionId).toBe('6f1c2b7e-4d1a-4c55-9b57-1f7e0d3a9c21');

    const post = { method: 'POST', host: 'legacy.local:3001', path: first.endpoint!, headers: { 'content-type': 'application/json' } };
    const send = (body: object) => {
      const e = reg.forRequest(post, 'claude-desktop', parseJsonRpc(body).messages);
      expect(e).toBe(stream);
      e.session.onClientMessage(parseJsonRpc(body).messages);
    };
    send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'claude-ai', version: '0.1' } } });
    send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_forecast', arguments: { city: 'Oslo' } } });

    const facts = frames.slice(1).flatMap((f) => reg.onServerFrame(stream, f).facts);
    expect(facts.map((f) => f.kind)).toEqual(['mcp.initialize', 'mcp.tools_list', 'mcp.tool_call']);
    expect(facts[0].initialize?.server).toEqual({ name: 'legacy-weather', version: '0.9.0' });
    expect(stream.session.tool('get_forecast')?.description).toBe('Get the weather forecast.');
    expect(facts[2].toolCall).toMatchObject({ arguments: { city: 'Oslo' }, result: { text: 'Sunny, 21C' } });
    expect(stream.server).toBe('legacy.local:3001/sse');
  });

  it('legacy HTTP+SSE: a POST that reaches Belay before the endpoint event still gets its answers matched', () => {
    const reg = new McpHttpSessions();
    const stream = reg.forRequest({ method: 'GET', host: 'legacy.local:3001', path: '/sse', headers: { accept: 'text/event-stream' } }, 'claude-desktop');
    const frames = sseFrames('legacy-sse.sse', 1);
    const endpoint = legacyEndpoint(frames[0], '/sse')!.path;
    // The client read the endpoint event first and POSTed at once; Belay sees that POST
    // before it has processed the endpoint event on the stream.
    const post = { method: 'POST', host: 'legacy.local:3001', path: endpoint, headers: { 'content-type': 'application/json' } };
    const send = (body: object) => reg.forRequest(post, 'claude-desktop', parseJsonRpc(body).messages).session.onClientMessage(parseJsonRpc(body).messages);
    send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'claude-ai', version: '0.1' } } });
    reg.onServerFrame(stream, frames[0]);
    send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_forecast', arguments: { city: 'Oslo' } } });
    const facts = frames.slice(1).flatMap((f) => reg.onServerFrame(stream, f).facts);
    expect(facts.map((f) => [f.kind, f.matched])).toEqual([['mcp.initialize', true], ['mcp.tools_list', true], ['mcp.tool_call', true]]);
    expect(facts[2].toolCall).toMatchObject({ name: 'get_forecast', arguments: { city: 'Oslo' } });
  });

  it('reports unreadable frames and ignores other events', () => {
    const reg = new McpHttpSessions();
    const e = reg.forRequest({ method: 'POST', host: 'h', path: '/mcp', headers: { 'mcp-session-id': 's' } }, 'x');
    expect(reg.onServerFrame(e, { data: '{nope' }).error).toMatch(/not JSON/);
    expect(reg.onServerFrame(e, { event: 'ping', data: '{}' }).facts).toEqual([]);
  });

  it('expires idle sessions and caps their number', () => {
    let now = 0;
    const reg = new McpHttpSessions({ idleMs: 1000, maxSessions: 2, now: () => now });
    const mk = (id: string) => reg.forRequest({ method: 'POST', host: 'h', path: '/mcp', headers: { 'mcp-session-id': id } }, 'c');
    const a = mk('a');
    mk('b');
    mk('c');
    expect(reg.size).toBe(2);
    expect(mk('a')).not.toBe(a);
    // c and a (recreated) are kept; d pushes c out, then a is idle past the limit.
    now = 5000;
    const d = mk('d');
    expect(reg.sweep()).toBe(1);
    expect(reg.size).toBe(1);
    expect(mk('d')).toBe(d);
  });
});
