import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { idKey, isNotification, isRequest, isResponse, parseJsonRpc } from '../../../../core/protocols/mcp/jsonrpc.js';
import { loadMcpWire } from '../../../helpers/mcp-fixtures.js';

describe('parseJsonRpc', () => {
  it('reads a request, a notification, a result and an error response', () => {
    const req = parseJsonRpc('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}');
    expect(req).toEqual({ messages: [{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }], batch: false });
    expect(isRequest(req.messages[0])).toBe(true);

    const note = parseJsonRpc({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(isNotification(note.messages[0])).toBe(true);
    expect(note.messages[0]).not.toHaveProperty('params');

    const res = parseJsonRpc(Buffer.from('{"jsonrpc":"2.0","id":"x","result":{"ok":true}}'));
    expect(isResponse(res.messages[0])).toBe(true);
    expect(res.messages[0]).toEqual({ jsonrpc: '2.0', id: 'x', result: { ok: true } });

    const err = parseJsonRpc({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    expect(err.messages[0]).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
  });

  it('keeps a batch in order and reports malformed members without losing the good ones', () => {
    const r = parseJsonRpc([{ jsonrpc: '2.0', id: 3, method: 'ping' }, 'junk', { jsonrpc: '2.0' }, { jsonrpc: '2.0', method: 'notifications/x' }]);
    expect(r.batch).toBe(true);
    expect(r.messages.map((m) => ('method' in m ? m.method : '?'))).toEqual(['ping', 'notifications/x']);
    expect(r.error).toMatch(/member 1: not a JSON-RPC object; member 2: neither/);
  });

  it('gives an error, never a throw, for every garbage fixture', () => {
    const wire = loadMcpWire('garbage.json');
    const results = wire.slice(0, 7).map((e) => parseJsonRpc(typeof e.body === 'string' ? e.body : e.body));
    expect(results[0].error).toMatch(/^not JSON/);
    expect(results[1].error).toMatch(/empty body/);
    expect(results[2]).toEqual({ messages: [], batch: true, error: 'empty JSON-RPC batch' });
    expect(results[3].error).toMatch(/not a JSON-RPC object/);
    expect(results[4].error).toMatch(/jsonrpc/);
    expect(results[5].error).toMatch(/id/);
    expect(results[6].messages).toHaveLength(1);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue(), fc.anything()), (v) => {
        const r = parseJsonRpc(v);
        expect(Array.isArray(r.messages)).toBe(true);
      }),
    );
  });

  it('keys ids so 1 and "1" differ', () => {
    expect(idKey(1)).not.toBe(idKey('1'));
  });
});

describe('isMcpMethod', () => {
  it('knows MCP methods and notifications, and leaves A2A-shared names alone', async () => {
    const { isMcpMethod } = await import('../../../../core/protocols/mcp/methods.js');
    for (const m of ['initialize', 'tools/call', 'tools/list', 'resources/read', 'prompts/get', 'notifications/tools/list_changed', 'sampling/createMessage']) expect(isMcpMethod(m)).toBe(true);
    for (const m of ['message/send', 'tasks/get', 'SendMessage', 'eth_call', '', undefined]) expect(isMcpMethod(m)).toBe(false);
  });
});
