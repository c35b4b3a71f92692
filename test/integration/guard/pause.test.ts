import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl } from '../../../core/control/client.js';
import { belayCli, buildCli } from '../../helpers/guard-e2e-cli.js';
import { mcpClientThroughBelay, resultText, startNotesMcpServer, type NotesMcpServer } from '../../helpers/guard-e2e-mcp.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { issueServerCert } from '../../helpers/tls.js';

// The kill switch, thrown from a terminal: `belay pause` refuses every LLM and MCP request
// in its protocol's own form while plain web traffic keeps flowing; `belay resume` lets
// them through again.
let world: ProxyWorld;
let server: NotesMcpServer;
let mcp: ReturnType<typeof mcpClientThroughBelay>;
let anthropic: Anthropic;

beforeAll(async () => {
  await buildCli();
  world = await startProxyWorld({ realHosts: true });
  server = await startNotesMcpServer({ cert: issueServerCert(world.providerCa, ['localhost', '127.0.0.1']) });
  mcp = mcpClientThroughBelay(server.url, world.belay.dispatcher);
  anthropic = new Anthropic({ apiKey: 'sk-ant-test-pause', baseURL: 'https://api.anthropic.com', fetchOptions: { dispatcher: world.belay.dispatcher } as unknown as RequestInit, maxRetries: 0 });
  // Connected before the pause (the first use of the server is asked: allowed over the control API).
  const connecting = mcp.connect();
  const control = (await connectControl(world.belay.paths))!;
  let id: string | undefined;
  while (!id) {
    id = (await control.approvals()).find((a) => a.subject.kind === 'mcp.initialize')?.id;
    if (!id) await new Promise((r) => setTimeout(r, 50));
  }
  await control.decide(id, { decision: 'allow', by: 'test' });
  await connecting;
}, 240_000);

afterAll(async () => {
  await mcp?.close().catch(() => undefined);
  await world?.stop();
  await server?.close();
});

const ask = (text: string) => anthropic.messages.create({ model: 'claude-opus-4-1-20250805', max_tokens: 64, messages: [{ role: 'user', content: text }] });
const plainGet = async () => {
  // A host no protocol claims (the provider's own host names count as LLM API traffic).
  const res = await world.belay.fetch(`${world.provider.url}/healthz`);
  return { status: res.status, body: (await res.json()) as { path?: string } };
};

describe('belay pause / resume', () => {
  it('paused: LLM requests get the provider\'s 403, MCP tool calls the isError refusal; plain HTTP still flows', async () => {
    const paused = await belayCli(world.belay.home, ['pause']);
    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain('Belay is paused');
    const llmBefore = world.provider.requests.filter((r) => r.path === '/v1/messages').length;

    const err = await ask('PAUSED hello').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((err as InstanceType<typeof Anthropic.PermissionDeniedError>).error).toMatchObject({ type: 'error', error: { type: 'permission_error', message: expect.stringContaining('Belay is paused') } });
    expect(world.provider.requests.filter((r) => r.path === '/v1/messages').length).toBe(llmBefore);

    const result = await mcp.client.callTool({ name: 'read_note', arguments: { name: 'while-paused' } });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/^Blocked by Belay: .+\. Belay is paused: AI tool calls are blocked until the user resumes\.$/);
    expect(server.executed).toEqual([]);

    const plain = await plainGet();
    expect(plain).toEqual({ status: 200, body: expect.objectContaining({ path: '/healthz' }) });

    const [llm] = await world.belay.waitForEvents((e) => e.type === 'llm.request' && e.decidedBy === 'paused');
    expect(llm).toMatchObject({ decision: 'deny', rule: 'paused', status: 403 });
    expect(llm.data).toMatchObject({ outcome: 'deny', refused: 'request' });
    const [call] = await world.belay.waitForEvents((e) => e.type === 'mcp.tool_call' && e.decidedBy === 'paused');
    expect(call).toMatchObject({ decision: 'deny', rule: 'paused', tool: 'read_note' });
    expect(call.data).toMatchObject({ outcome: 'deny', refused: 'request' });
    // Belay refused it: the log must not say the tool failed.
    expect(call.error).toBeUndefined();
    const [http] = await world.belay.waitForEvents((e) => e.type === 'http' && e.path === '/healthz');
    expect(http).toMatchObject({ status: 200, decision: 'allow' });
  });

  it('resumed: both flow again', async () => {
    const resumed = await belayCli(world.belay.home, ['resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Belay resumed');

    const answer = await ask('RESUMED hello');
    expect(answer.content.length).toBeGreaterThan(0);
    const result = await mcp.client.callTool({ name: 'read_note', arguments: { name: 'after-resume' } });
    expect(result.isError).toBeFalsy();
    expect(resultText(result)).toBe('Note "after-resume": buy milk.');
    expect(server.executed.map((c) => c.args)).toEqual([{ name: 'after-resume' }]);
  });
});
