import { describe, expect, it } from 'vitest';
import { TimelineLinker } from '../../../core/timeline/linker.js';
import { argumentsKey, normaliseArguments } from '../../../core/timeline/arguments.js';
import { toolNameMatches } from '../../../core/timeline/tool-names.js';

describe('toolNameMatches', () => {
  it.each([
    ['read_file', 'read_file', undefined, true],
    ['mcp__filesystem__read_file', 'read_file', undefined, true],
    ['mcp__filesystem__read_file', 'read_file', 'filesystem', true],
    ['mcp__github__read_file', 'read_file', 'filesystem', false],
    ['filesystem__read_file', 'read_file', undefined, true],
    ['filesystem.read_file', 'read_file', undefined, true],
    ['mcp_filesystem_read_file', 'read_file', undefined, true],
    ['get_read_file', 'read_file', undefined, false],
    ['xread_file', 'read_file', undefined, false],
    ['__read_file', 'read_file', undefined, false],
    ['read_file', 'mcp__x__read_file', undefined, false],
    ['mcp__api-github__search', 'search', 'api.github.com/mcp', true],
  ])('%s vs %s (server %s) → %s', (llm, mcp, server, want) => {
    expect(toolNameMatches(llm, mcp, server)).toBe(want);
  });
});

describe('argument normalisation', () => {
  it('treats a JSON string, an object and reordered keys alike', () => {
    const a = normaliseArguments('{"b": 1, "a": {"y": [1, 2], "x": null}}');
    expect(a).toBe(normaliseArguments({ a: { x: null, y: [1, 2] }, b: 1 }));
    expect(argumentsKey('')).toBe(argumentsKey({}));
    expect(argumentsKey(undefined)).toBe(argumentsKey({}));
    expect(argumentsKey({ a: 1 })).not.toBe(argumentsKey({ a: '1' }));
    expect(normaliseArguments('not json')).toBe('"not json"');
  });
});

describe('TimelineLinker', () => {
  it('links an MCP call to the model request with the same tool and arguments', () => {
    const l = new TimelineLinker();
    l.noteLlmToolCall({ client: 'claude-code', eventId: 'e1', name: 'mcp__fs__read_file', arguments: '{"path":"a.txt"}', at: 1000 });
    l.noteLlmToolCall({ client: 'claude-code', eventId: 'e2', name: 'mcp__fs__read_file', arguments: { path: 'b.txt' }, at: 1001 });
    expect(l.linkMcpCall({ client: 'claude-code', name: 'read_file', arguments: { path: 'b.txt' }, at: 1500, server: 'fs' })).toBe('e2');
    expect(l.linkMcpCall({ client: 'claude-code', name: 'read_file', arguments: { path: 'a.txt' }, at: 1600 })).toBe('e1');
    // Each model request is carried out once.
    expect(l.linkMcpCall({ client: 'claude-code', name: 'read_file', arguments: { path: 'a.txt' }, at: 1700 })).toBeUndefined();
  });

  it('prefers the prefix naming the server, and falls back when the server identity is a host', () => {
    const l = new TimelineLinker();
    l.noteLlmToolCall({ client: 'c', eventId: 'gh', name: 'mcp__github__search', arguments: { q: 'x' }, at: 1 });
    l.noteLlmToolCall({ client: 'c', eventId: 'docs', name: 'mcp__docs__search', arguments: { q: 'x' }, at: 2 });
    expect(l.linkMcpCall({ client: 'c', name: 'search', arguments: { q: 'x' }, at: 3, server: 'docs' })).toBe('docs');
    expect(l.linkMcpCall({ client: 'c', name: 'search', arguments: { q: 'x' }, at: 3, server: '127.0.0.1:8931/mcp' })).toBe('gh');
  });

  it('does not link across clients, different arguments, other tools, or outside the window', () => {
    const l = new TimelineLinker({ windowMs: 1000 });
    l.noteLlmToolCall({ client: 'cursor', eventId: 'e1', name: 'write_file', arguments: { path: 'a', content: 'x' }, at: 0 });
    expect(l.linkMcpCall({ client: 'vscode', name: 'write_file', arguments: { path: 'a', content: 'x' }, at: 10 })).toBeUndefined();
    expect(l.linkMcpCall({ client: 'cursor', name: 'write_file', arguments: { path: 'a', content: 'y' }, at: 10 })).toBeUndefined();
    expect(l.linkMcpCall({ client: 'cursor', name: 'read_file', arguments: { path: 'a', content: 'x' }, at: 10 })).toBeUndefined();
    expect(l.linkMcpCall({ client: 'cursor', name: 'write_file', arguments: { content: 'x', path: 'a' }, at: 5000 })).toBeUndefined();
    expect(l.size).toBe(0);
  });

  it('keeps memory bounded per client and in clients', () => {
    const l = new TimelineLinker({ maxPerClient: 10, maxClients: 3 });
    for (let i = 0; i < 100; i++) l.noteLlmToolCall({ client: `c${i % 5}`, eventId: `e${i}`, name: 't', arguments: { i }, at: i });
    expect(l.size).toBeLessThanOrEqual(30);
    expect(l.linkMcpCall({ client: 'c4', name: 't', arguments: { i: 99 }, at: 100 })).toBe('e99');
    expect(l.linkMcpCall({ client: 'c4', name: 't', arguments: { i: 4 }, at: 100 })).toBeUndefined();
    expect(l.linkMcpCall({ client: 'c0', name: 't', arguments: { i: 0 }, at: 100 })).toBeUndefined();
  });
});
