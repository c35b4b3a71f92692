import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { belayCli, buildCli, decideViaControl } from '../../helpers/guard-e2e-cli.js';
import { CLAUDE_CODE_UA, mcpClientThroughBelay, resultText, startNotesMcpServer, type NotesMcpServer } from '../../helpers/guard-e2e-mcp.js';
import { anthropicToolUseStream } from '../../helpers/guard-e2e-sse.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { issueServerCert } from '../../helpers/tls.js';

// One story across two protocols, as Claude Code lives it: the model asks for
// `mcp__notes__read_note` in a streamed answer, then the copilot runs that MCP tool with
// the same arguments. Belay links the MCP call to the model's request, and `belay log
// tail` prints them together.
let world: ProxyWorld;
let server: NotesMcpServer;
let mcp: ReturnType<typeof mcpClientThroughBelay>;
let anthropic: Anthropic;

const ARGS = { name: 'release-checklist' };

beforeAll(async () => {
  await buildCli();
  world = await startProxyWorld({ realHosts: true, delayMs: 20 });
  server = await startNotesMcpServer({ cert: issueServerCert(world.providerCa, ['localhost', '127.0.0.1']) });
  mcp = mcpClientThroughBelay(server.url, world.belay.dispatcher);
  const connecting = mcp.connect();
  await decideViaControl(world.belay.paths, (a) => a.subject.kind === 'mcp.initialize', { decision: 'allow', by: 'test' });
  await connecting;
  anthropic = new Anthropic({
    apiKey: 'sk-ant-test-timeline',
    baseURL: 'https://api.anthropic.com',
    fetchOptions: { dispatcher: world.belay.dispatcher } as unknown as RequestInit,
    defaultHeaders: { 'user-agent': CLAUDE_CODE_UA },
    maxRetries: 0,
  });
  world.provider.handle(() => ({
    headers: { 'content-type': 'text/event-stream' },
    events: anthropicToolUseStream({ text: ['Let me read your checklist.'], tool: { id: 'toolu_timeline', name: 'mcp__notes__read_note', input: ARGS } }),
  }));
}, 240_000);

afterAll(async () => {
  await mcp?.close().catch(() => undefined);
  await world?.stop();
  await server?.close();
});

describe('the timeline', () => {
  it('links the MCP tools/call to the model\'s tool_use with the same arguments, and log tail tells it as one story', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 512,
      tools: [{ name: 'mcp__notes__read_note', input_schema: { type: 'object', properties: { name: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'What is left on my release checklist?' }],
    });
    const final = await stream.finalMessage();
    const toolUse = final.content.find((b) => b.type === 'tool_use');
    expect(toolUse).toMatchObject({ name: 'mcp__notes__read_note', input: ARGS });

    const [llmToolUse] = await world.belay.waitForEvents((e) => e.type === 'llm.tool_use' && e.tool === 'mcp__notes__read_note');
    expect(llmToolUse).toMatchObject({ client: 'claude-code', decision: 'allow' });

    // The copilot carries out the model's request on the MCP server.
    const result = await mcp.client.callTool({ name: 'read_note', arguments: toolUse!.input as Record<string, unknown> });
    expect(resultText(result)).toBe('Note "release-checklist": buy milk.');

    const [call] = await world.belay.waitForEvents((e) => e.type === 'mcp.tool_call' && e.tool === 'read_note');
    expect(call.client).toBe('claude-code');
    expect(call.links).toContain(llmToolUse.id);
    // And the model's tool_use points at the LLM request that carried it.
    const [request] = await world.belay.waitForEvents((e) => e.type === 'llm.request' && (llmToolUse.links ?? []).includes(e.id));
    expect(request.data.toolCalls).toEqual([expect.objectContaining({ name: 'mcp__notes__read_note', arguments: ARGS })]);

    const tail = await belayCli(world.belay.home, ['log', 'tail', '-n', '20']);
    expect(tail.stderr).toBe('');
    expect(tail.code).toBe(0);
    const lines = tail.stdout.split('\n');
    const head = lines.findIndex((l) => l.includes('claude-code') && l.includes('LLM anthropic') && l.includes('asked for mcp__notes__read_note'));
    expect(head, tail.stdout).toBeGreaterThanOrEqual(0);
    // Under that line, as its branches: the model's tool request, then the MCP call that ran it.
    const story = lines.slice(head + 1).filter((l) => /^\s+[├└]─/.test(l));
    const asked = story.findIndex((l) => l.includes('asked to run mcp__notes__read_note') && l.includes('release-checklist'));
    const ran = story.findIndex((l) => l.includes(`MCP localhost:${server.port}/mcp read_note`) && l.includes('release-checklist'));
    expect(asked, tail.stdout).toBeGreaterThanOrEqual(0);
    expect(ran, tail.stdout).toBeGreaterThan(asked);
  });
});
