import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideViaControl } from '../../helpers/guard-e2e-cli.js';
import { CLAUDE_CODE_UA, mcpClientThroughBelay, startNotesMcpServer, type NotesMcpServer } from '../../helpers/guard-e2e-mcp.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { anthropicToolUseStream } from '../../helpers/guard-e2e-sse.js';
import { issueServerCert } from '../../helpers/tls.js';

// A copilot gives up on a call Belay is holding (the user pressed Esc, the request timed
// out): the HTTP request is aborted while the approval is still open.
let world: ProxyWorld;
let server: NotesMcpServer;
let mcp: ReturnType<typeof mcpClientThroughBelay>;

beforeAll(async () => {
  world = await startProxyWorld();
  server = await startNotesMcpServer({ cert: issueServerCert(world.providerCa, ['localhost', '127.0.0.1']) });
  mcp = mcpClientThroughBelay(server.url, world.belay.dispatcher);
  const connecting = mcp.connect();
  await decideViaControl(world.belay.paths, (a) => a.subject.kind === 'mcp.initialize', { decision: 'allow', by: 'test' });
  await connecting;
});
afterAll(async () => {
  for (const a of world.belay.approvals.list()) world.belay.approvals.decide(a.id, { decision: 'deny', by: 'test cleanup' });
  await mcp?.close().catch(() => undefined);
  await world?.stop();
  await server?.close();
});

/** A tools/call POSTed on the client's session with a raw fetch the test can abort, as the SDK would send it. */
function heldCall(path: string, signal: AbortSignal) {
  return world.belay
    .fetch(server.url, {
      method: 'POST',
      signal,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': mcp.transport.sessionId!,
        'mcp-protocol-version': '2025-06-18',
        'user-agent': CLAUDE_CODE_UA,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 900, method: 'tools/call', params: { name: 'delete_file', arguments: { path } } }),
    })
    .then(
      () => 'answered',
      (err: Error) => err.name,
    );
}

async function pendingFor(path: string) {
  for (let i = 0; i < 200; i++) {
    const found = world.belay.approvals.list().find((a) => a.tool === 'delete_file');
    if (found) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no approval was opened for delete_file ${path}`);
}

describe('a held call whose client went away', () => {
  it('is never run, even when someone allows the stale approval afterwards', async () => {
    server.plantFile('left.txt');
    const ac = new AbortController();
    const outcome = heldCall('left.txt', ac.signal);
    const pending = await pendingFor('left.txt');
    ac.abort();
    expect(await outcome).toBe('AbortError');
    await new Promise((r) => setTimeout(r, 200));
    // Withdrawn by then, so this answer finds nothing to allow; were it still open, the call must not run either.
    world.belay.approvals.decide(pending.id, { decision: 'allow', by: 'test' });
    await new Promise((r) => setTimeout(r, 500));
    expect(server.executed.filter((c) => c.args.path === 'left.txt')).toEqual([]);
  });

  it('withdraws the approval and logs the flow as held and not run', async () => {
    server.plantFile('gone.txt');
    const ac = new AbortController();
    const outcome = heldCall('gone.txt', ac.signal);
    await pendingFor('gone.txt');
    ac.abort();
    expect(await outcome).toBe('AbortError');
    const [e] = await world.belay.waitForEvents((x) => x.type === 'mcp.tool_call' && (x.data.arguments as { path?: string } | undefined)?.path === 'gone.txt');
    await new Promise((r) => setTimeout(r, 300));
    // Nobody is asked about a call nobody waits for; the log says it was held and not run.
    expect(world.belay.approvals.list()).toEqual([]);
    expect(world.belay.approvals.history(5)[0]).toMatchObject({ tool: 'delete_file', status: 'abandoned', decidedBy: 'unavailable' });
    expect(e).toMatchObject({ decision: 'ask', decidedBy: 'unavailable', rule: 'ask-risky-tools' });
    expect(e.data).toMatchObject({ outcome: 'deny', refused: 'request' });
    expect(e.error).toMatch(/client closed the connection/);
    expect(server.executed.filter((c) => c.args.path === 'gone.txt')).toEqual([]);
  });

  it('an LLM answer held at a tool_use whose client aborts: the approval is withdrawn, the tool call logged as not delivered', async () => {
    world.provider.handle(() => ({
      headers: { 'content-type': 'text/event-stream' },
      events: anthropicToolUseStream({ text: ['Pushing now.'], tool: { id: 'toolu_abandoned', name: 'bash', input: { command: 'git push --force origin gone' } } }),
    }));
    const anthropic = new Anthropic({ apiKey: 'sk-ant-test-abandoned', baseURL: world.provider.url, fetchOptions: { dispatcher: world.belay.dispatcher } as unknown as RequestInit, maxRetries: 0 });
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 256,
      tools: [{ name: 'bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'push it' }],
    });
    const done = stream.finalMessage().then(
      () => 'finished',
      (err: Error) => err.name,
    );
    for (let i = 0; i < 200 && !world.belay.approvals.list().some((a) => a.kind === 'llm.tool_use'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(world.belay.approvals.list().map((a) => a.kind)).toEqual(['llm.tool_use']);
    stream.abort();
    expect(await done).toMatch(/Abort/);
    for (let i = 0; i < 200 && world.belay.approvals.list().length > 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(world.belay.approvals.list()).toEqual([]);
    const [e] = await world.belay.waitForEvents((x) => x.type === 'llm.tool_use' && x.tool === 'bash');
    expect(e).toMatchObject({ decision: 'ask', decidedBy: 'unavailable' });
    expect(e.data.outcome).toBe('deny');
    // The answer's own event says the client left (it is not left open, nor logged as complete).
    const [request] = await world.belay.waitForEvents((x) => x.type === 'llm.request' && x.id === e.links?.[0]);
    expect(request, JSON.stringify(request)).toMatchObject({ error: expect.stringMatching(/client closed the connection/) });
  });
});

