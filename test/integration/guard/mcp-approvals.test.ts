import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/events.js';
import { connectControl } from '../../../core/control/client.js';
import { belayCli, buildCli, waitForCliApproval } from '../../helpers/guard-e2e-cli.js';
import { mcpClientThroughBelay, resultText, startNotesMcpServer, type NotesMcpServer } from '../../helpers/guard-e2e-mcp.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { issueServerCert } from '../../helpers/tls.js';

// An MCP client and server from the official SDK, Streamable HTTP over HTTPS, the client's
// fetch routed through Belay. Every decision a human makes is made the way a developer
// would: the compiled `belay` CLI in another process, or the control API client.
// The tests run in order and build on each other (first use of the server, then calls).
let world: ProxyWorld;
let server: NotesMcpServer;
let mcp: ReturnType<typeof mcpClientThroughBelay>;

beforeAll(async () => {
  await buildCli();
  world = await startProxyWorld();
  server = await startNotesMcpServer({ cert: issueServerCert(world.providerCa, ['localhost', '127.0.0.1']) });
  mcp = mcpClientThroughBelay(server.url, world.belay.dispatcher);
}, 240_000);

afterAll(async () => {
  await mcp?.close().catch(() => undefined);
  await world?.stop();
  await server?.close();
});

// A test that failed half-way must not leave a held call for the next one to find.
afterEach(() => {
  for (const a of world.belay.approvals.list()) world.belay.approvals.decide(a.id, { decision: 'deny', by: 'test cleanup' });
});

const home = () => world.belay.home;
const serverId = () => `localhost:${server.port}/mcp`;

/** The audit event of the latest tools/call of `tool` whose arguments match. */
async function callEvent(tool: string, args: Record<string, unknown>): Promise<AuditEvent> {
  const [e] = await world.belay.waitForEvents(
    (x) => x.type === 'mcp.tool_call' && x.tool === tool && JSON.stringify(x.data.arguments) === JSON.stringify(args),
  );
  return e;
}

/** Records every approval Belay opens while `fn` runs. */
async function approvalsOpenedDuring<T>(fn: () => Promise<T>): Promise<{ value: T; opened: string[] }> {
  const opened: string[] = [];
  const stop = world.belay.approvals.subscribe((c) => {
    if (c.type === 'added') opened.push(`${c.approval.kind} ${c.approval.tool ?? ''}`);
  });
  try {
    return { value: await fn(), opened };
  } finally {
    stop();
  }
}

describe('MCP through Belay, decided by a human', () => {
  it('the first use of a server is held and asked (new-server); allowed through the CLI, remembered for the server', async () => {
    const connecting = mcp.connect();
    const pending = await waitForCliApproval(home(), (a) => a.subject.kind === 'mcp.initialize');
    expect(pending.rule).toBe('ask-new-servers');
    expect(pending.subject.server).toBe(serverId());
    expect(pending.findings.map((f) => f.detector)).toContain('new-server');
    // Held: the server has not been reached by the client yet (no session opened).
    expect(server.executed).toEqual([]);

    const answer = await belayCli(home(), ['approvals', 'allow', pending.id, '--remember', 'always', '--scope', 'server']);
    expect(answer.stderr).toBe('');
    expect(answer.code).toBe(0);
    expect(answer.stdout).toContain(`Allowed ${pending.id}, remembered (always, scope server)`);
    await connecting;

    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['delete_file', 'read_note', 'run_command']);

    const [init] = await world.belay.waitForEvents((e) => e.type === 'mcp.initialize' && e.server === serverId());
    expect(init).toMatchObject({ decision: 'ask', decidedBy: 'human', rule: 'ask-new-servers', transport: 'proxy', client: 'claude-code' });
    expect(init.data.approvalId).toBe(pending.id);
    expect(init.data.heldMs).toBeGreaterThan(0);
    expect((init.data.findings as { detector: string }[]).map((f) => f.detector)).toContain('new-server');

    const remembered = await belayCli(home(), ['approvals', 'remembered', '--json']);
    expect(remembered.code).toBe(0);
    expect(JSON.parse(remembered.stdout)).toEqual([expect.objectContaining({ decision: 'allow', scope: 'server' })]);
  });

  it('a read-only tool flows without asking; the policy decision is logged', async () => {
    const { value: result, opened } = await approvalsOpenedDuring(() => mcp.client.callTool({ name: 'read_note', arguments: { name: 'groceries' } }));
    expect(opened).toEqual([]);
    expect(resultText(result)).toBe('Note "groceries": buy milk.');
    const e = await callEvent('read_note', { name: 'groceries' });
    expect(e).toMatchObject({ decision: 'allow', decidedBy: 'policy', rule: 'allow-read-only-tools', server: serverId() });
  });

  it('a destructive call is held until allowed through the CLI, then executes on the server', async () => {
    const file = server.plantFile('draft.txt');
    const calling = mcp.client.callTool({ name: 'delete_file', arguments: { path: 'draft.txt' } });
    const pending = await waitForCliApproval(home(), (a) => a.subject.tool === 'delete_file');
    expect(pending.subject).toMatchObject({ kind: 'mcp.tool_call', server: serverId(), tool: 'delete_file' });
    expect(pending.summary).toContain('delete_file');
    expect(pending.rule).toBe('ask-risky-tools');
    // Held: the tool has not run and the file is still there.
    await new Promise((r) => setTimeout(r, 200));
    expect(server.executed.filter((c) => c.tool === 'delete_file')).toEqual([]);
    expect(existsSync(file)).toBe(true);

    const answer = await belayCli(home(), ['approvals', 'allow', pending.id]);
    expect(answer.code).toBe(0);
    expect(answer.stdout).toContain('(this call only)');
    const result = await calling;
    expect(result.isError).toBeFalsy();
    expect(resultText(result)).toBe('Deleted draft.txt.');
    expect(existsSync(file)).toBe(false);
    expect(server.executed.filter((c) => c.tool === 'delete_file').map((c) => c.args)).toEqual([{ path: 'draft.txt' }]);

    const e = await callEvent('delete_file', { path: 'draft.txt' });
    expect(e).toMatchObject({ decision: 'ask', decidedBy: 'human', rule: 'ask-risky-tools', status: 200 });
    expect(e.data).toMatchObject({ approvalId: pending.id, outcome: 'allow' });
    expect(e.data.heldMs).toBeGreaterThanOrEqual(200);
    expect(e.error).toBeUndefined();
  });

  it('a denied call gets an isError result with the fixed Belay text, and the server never runs it', async () => {
    const calling = mcp.client.callTool({ name: 'run_command', arguments: { command: 'rm -rf ./data' } });
    const pending = await waitForCliApproval(home(), (a) => a.subject.tool === 'run_command');
    expect(pending.rule).toBe('ask-destructive-commands');
    expect(pending.findings).toEqual(expect.arrayContaining([expect.objectContaining({ detector: 'destructive-command' })]));

    // This one is answered through the control API, as the tray and dashboard do.
    const control = await connectControl(world.belay.paths);
    expect(control).toBeDefined();
    expect(await control!.decide(pending.id, { decision: 'deny', by: 'test' })).toBe(true);

    const result = await calling;
    expect(result.isError).toBe(true);
    expect(resultText(result)).toBe('Blocked by Belay: The command deletes or overwrites things that may not come back. The user was asked and declined.');
    expect(server.executed.filter((c) => c.tool === 'run_command')).toEqual([]);

    const e = await callEvent('run_command', { command: 'rm -rf ./data' });
    expect(e).toMatchObject({ decision: 'ask', decidedBy: 'human', rule: 'ask-destructive-commands', risk: 'high' });
    expect(e.data).toMatchObject({ approvalId: pending.id, outcome: 'deny' });
    expect(e.data.heldMs).toBeGreaterThan(0);
    expect((e.data.findings as { detector: string; ruleId: string }[])[0]).toMatchObject({ detector: 'destructive-command', ruleId: 'rm-rf' });
  });

  it('an answer remembered for the tool is applied to the next call without asking', async () => {
    server.plantFile('a.txt');
    server.plantFile('b.txt');
    const first = mcp.client.callTool({ name: 'delete_file', arguments: { path: 'a.txt' } });
    const pending = await waitForCliApproval(home(), (a) => a.subject.tool === 'delete_file');
    const answer = await belayCli(home(), ['approvals', 'allow', pending.id, '--remember', 'always', '--scope', 'tool']);
    expect(answer.code).toBe(0);
    expect(resultText(await first)).toBe('Deleted a.txt.');

    const { value: second, opened } = await approvalsOpenedDuring(() => mcp.client.callTool({ name: 'delete_file', arguments: { path: 'b.txt' } }));
    expect(opened).toEqual([]);
    expect(resultText(second)).toBe('Deleted b.txt.');
    expect(existsSync(path.join(server.dir, 'b.txt'))).toBe(false);

    const e = await callEvent('delete_file', { path: 'b.txt' });
    expect(e).toMatchObject({ decision: 'ask', decidedBy: 'remembered', rule: 'ask-risky-tools' });
    expect(e.data.outcome).toBe('allow');
  });

  it('a tool whose description changed is logged as tool.changed with the diff, and asked again although remembered', async () => {
    server.setDescription('delete_file', 'Delete a file in the notes folder, and every backup of it.');
    const { tools } = await mcp.client.listTools();
    expect(tools.find((t) => t.name === 'delete_file')?.description).toBe('Delete a file in the notes folder, and every backup of it.');

    const [changed] = await world.belay.waitForEvents((e) => e.type === 'tool.changed' && e.tool === 'delete_file');
    expect(changed.server).toBe(serverId());
    expect(JSON.stringify(changed.data)).toContain('every backup of it');

    server.plantFile('c.txt');
    const calling = mcp.client.callTool({ name: 'delete_file', arguments: { path: 'c.txt' } });
    const pending = await waitForCliApproval(home(), (a) => a.subject.tool === 'delete_file');
    expect(pending.rule).toBe('ask-changed-tools');
    const finding = pending.findings.find((f) => f.detector === 'tool-changed');
    expect(finding?.evidence).toContain('every backup of it');
    expect(server.executed.filter((c) => c.args.path === 'c.txt')).toEqual([]);

    await belayCli(home(), ['approvals', 'deny', pending.id]);
    const result = await calling;
    expect(result.isError).toBe(true);
    expect(server.executed.filter((c) => c.args.path === 'c.txt')).toEqual([]);
    const e = await callEvent('delete_file', { path: 'c.txt' });
    expect(e).toMatchObject({ decision: 'ask', decidedBy: 'human', rule: 'ask-changed-tools' });
    expect(e.data.outcome).toBe('deny');
  });

  it('once the change is accepted (belay inventory accept), the tool is judged as before; the old remembered answer, bound to the old pin, no longer applies', async () => {
    const accepted = await belayCli(home(), ['inventory', 'accept', 'claude-code', serverId(), 'delete_file']);
    expect(accepted.stderr).toBe('');
    expect(accepted.stdout).toContain('Accepted the current version of delete_file');

    server.plantFile('d.txt');
    const calling = mcp.client.callTool({ name: 'delete_file', arguments: { path: 'd.txt' } });
    const pending = await waitForCliApproval(home(), (a) => a.subject.tool === 'delete_file');
    expect(pending.rule).toBe('ask-risky-tools');
    expect(pending.findings.map((f) => f.detector)).not.toContain('tool-changed');
    await belayCli(home(), ['approvals', 'allow', pending.id, '--remember', 'always', '--scope', 'tool']);
    expect(resultText(await calling)).toBe('Deleted d.txt.');

    server.plantFile('e.txt');
    const { value, opened } = await approvalsOpenedDuring(() => mcp.client.callTool({ name: 'delete_file', arguments: { path: 'e.txt' } }));
    expect(opened).toEqual([]);
    expect(resultText(value)).toBe('Deleted e.txt.');
    expect((await callEvent('delete_file', { path: 'e.txt' })).decidedBy).toBe('remembered');
  });

  it('identical concurrent calls wait on one approval; one answer releases them all', async () => {
    const call = { name: 'run_command', arguments: { command: 'sudo systemctl restart nginx' } };
    const first = mcp.client.callTool(call);
    const second = mcp.client.callTool(call);
    const pending = await waitForCliApproval(home(), (a) => a.subject.tool === 'run_command');
    const deadline = Date.now() + 5000;
    while (world.belay.approvals.list()[0]?.waiters !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(world.belay.approvals.list().map((a) => [a.id, a.waiters])).toEqual([[pending.id, 2]]);

    // What a developer reads in the terminal: who, what, how risky, and why.
    const listed = await belayCli(home(), ['approvals', 'list']);
    expect(listed.stdout).toContain(pending.id);
    expect(listed.stdout).toContain('run_command');
    expect(listed.stdout).toContain('sudo');

    await belayCli(home(), ['approvals', 'deny', pending.id]);
    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.isError)).toEqual([true, true]);
    expect(server.executed.filter((c) => c.tool === 'run_command')).toEqual([]);
    const events = await world.belay.waitForEvents((e) => e.type === 'mcp.tool_call' && JSON.stringify(e.data.arguments) === JSON.stringify(call.arguments), { count: 2 });
    expect(events.map((e) => [e.decidedBy, e.data.approvalId, e.data.outcome])).toEqual([
      ['human', pending.id, 'deny'],
      ['human', pending.id, 'deny'],
    ]);
  });

  it('every decision in the log says which rule, what was found, who decided, and how long it was held', async () => {
    world.belay.audit.flush();
    const judged = world.belay.events().filter((e) => e.decidedBy !== undefined && e.decidedBy !== 'default');
    expect(new Set(judged.map((e) => e.decidedBy))).toEqual(new Set(['policy', 'human', 'remembered']));
    for (const e of judged) {
      const where = `${e.type} ${e.tool ?? ''} (${e.decidedBy})`;
      expect(e.rule, where).toMatch(/^[a-z-]+$/);
      expect(e.data.outcome, where).toMatch(/^(allow|deny)$/);
      if (e.risk && e.risk !== 'none') expect((e.data.findings as unknown[] | undefined)?.length, where).toBeGreaterThan(0);
      if (e.decidedBy === 'human') {
        expect(e.data.heldMs, where).toBeGreaterThan(0);
        expect(e.data.approvalId, where).toEqual(expect.any(String));
      }
    }
    // The terminal story says what became of each ask.
    const tail = await belayCli(home(), ['log', 'tail', '-n', '60']);
    expect(tail.code).toBe(0);
    expect(tail.stdout).toMatch(/run_command \{"command":"rm -rf \.\/data"\}.*\[ASKED by human, rule ask-destructive-commands → refused\]/);
    expect(tail.stdout).toMatch(/delete_file \{"path":"draft\.txt"\}.*\[ASKED by human, rule ask-risky-tools → let through\]/);
    expect(tail.stdout).toMatch(/delete_file \{"path":"b\.txt"\}.*\[ASKED by remembered, rule ask-risky-tools → let through\]/);
    // Each approval a human answered is the approval of as many logged flows as waited on it.
    const answered = world.belay.approvals.history(100).filter((a) => a.decidedBy === 'human' && a.answeredBy !== 'test cleanup');
    expect(answered.length).toBeGreaterThanOrEqual(5);
    for (const a of answered) {
      const flows = judged.filter((e) => e.data.approvalId === a.id);
      expect(flows.length, a.id).toBe(a.waiters);
      for (const e of flows) expect(e.decidedBy).toBe('human');
    }
  });
});
