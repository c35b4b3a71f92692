import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl } from '../../../core/control/client.js';
import { belayCli, buildCli, waitForCliApproval } from '../../helpers/guard-e2e-cli.js';
import { mcpClientThroughBelay, resultText, startNotesMcpServer, type NotesMcpServer } from '../../helpers/guard-e2e-mcp.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { issueServerCert } from '../../helpers/tls.js';

// An approval nobody answers: with the shortest timeout settings allow (5 s), the held
// MCP call is refused once, in MCP's form, and nothing is remembered: the next identical
// call is asked again.
let world: ProxyWorld;
let server: NotesMcpServer;
let mcp: ReturnType<typeof mcpClientThroughBelay>;

const TIMEOUT_S = 5;

beforeAll(async () => {
  await buildCli();
  world = await startProxyWorld({ settings: { approvals: { timeoutSeconds: TIMEOUT_S } } });
  server = await startNotesMcpServer({ cert: issueServerCert(world.providerCa, ['localhost', '127.0.0.1']) });
  mcp = mcpClientThroughBelay(server.url, world.belay.dispatcher);
  // The first use of the server is asked: answered through the control API.
  const connecting = mcp.connect();
  const control = await connectControl(world.belay.paths);
  const deadline = Date.now() + 10_000;
  let id: string | undefined;
  while (!id && Date.now() < deadline) {
    id = (await control!.approvals()).find((a) => a.subject.kind === 'mcp.initialize')?.id;
    if (!id) await new Promise((r) => setTimeout(r, 50));
  }
  expect(id).toBeDefined();
  await control!.decide(id!, { decision: 'allow', remember: 'always', scope: 'server', by: 'test' });
  await connecting;
}, 240_000);

afterAll(async () => {
  await mcp?.close().catch(() => undefined);
  await world?.stop();
  await server?.close();
});

const call = { name: 'run_command', arguments: { command: 'git push --force origin main' } };

describe('an approval nobody answers', () => {
  it('is refused once when the timeout runs out: isError result, the server never ran it, decidedBy timeout', async () => {
    const started = Date.now();
    const result = await mcp.client.callTool(call, undefined, { timeout: 20_000 });
    const waited = Date.now() - started;
    expect(result.isError).toBe(true);
    expect(resultText(result)).toBe('Blocked by Belay: The command deletes or overwrites things that may not come back. The user did not answer in time.');
    expect(waited).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 100);
    expect(server.executed).toEqual([]);

    const [e] = await world.belay.waitForEvents((x) => x.type === 'mcp.tool_call' && x.tool === 'run_command');
    expect(e).toMatchObject({ decision: 'ask', decidedBy: 'timeout', rule: 'ask-destructive-commands', risk: 'high' });
    expect(e.data).toMatchObject({ outcome: 'deny', refused: 'request', approvalId: expect.any(String) });
    expect(e.data.heldMs).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 100);
    expect((e.data.findings as { ruleId: string }[]).map((f) => f.ruleId)).toContain('git-push-force');

    // Nothing was remembered for the tool: only the server answer from the start.
    const remembered = await belayCli(world.belay.home, ['approvals', 'remembered', '--json']);
    expect(remembered.code).toBe(0);
    const list = JSON.parse(remembered.stdout) as { scope: string; tool?: string }[];
    expect(list.filter((r) => r.tool === 'run_command')).toEqual([]);
    expect(list.map((r) => r.scope)).toEqual(['server']);
  }, 30_000);

  it('the same call is asked again next time, and runs once allowed', async () => {
    const calling = mcp.client.callTool(call);
    const pending = await waitForCliApproval(world.belay.home, (a) => a.subject.tool === 'run_command');
    expect(pending.rule).toBe('ask-destructive-commands');
    const answer = await belayCli(world.belay.home, ['approvals', 'allow', pending.id]);
    expect(answer.code).toBe(0);
    const result = await calling;
    expect(result.isError).toBeFalsy();
    expect(resultText(result)).toBe('(recorded, not run) git push --force origin main');
    expect(server.executed.map((c) => c.args)).toEqual([{ command: 'git push --force origin main' }]);
    const events = await world.belay.waitForEvents((x) => x.type === 'mcp.tool_call' && x.tool === 'run_command', { count: 2 });
    expect(events.map((x) => [x.decidedBy, x.data.outcome])).toEqual([
      ['timeout', 'deny'],
      ['human', 'allow'],
    ]);
  });
});
