import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingApproval } from '../../../shared/api.js';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { startBelay, type Belay } from '../../../core/engine.js';
import { BELAY_BIN, ROOT, buildOnce, runBelay } from '../../helpers/stdio-relay.js';

/**
 * The end-to-end case: a real SDK client, `node bin/belay.js mcp-wrap` in front of
 * the real filesystem server, and a running Belay (the engine, in-process, on the same
 * BELAY_HOME) whose default policy asks before a write. Answers go through the real
 * `belay approvals` CLI.
 */

const FS_BIN = path.join(ROOT, 'node_modules', '.bin', 'mcp-server-filesystem');
const DESCRIBED_SERVER = path.join(ROOT, 'test', 'helpers', 'stdio-described-server.mjs');

let belay: Belay;
beforeAll(async () => {
  buildOnce();
  belay = await startBelay({ dataDir: process.env.BELAY_HOME, proxyPort: 0, warn: () => undefined });
}, 120_000);
afterAll(async () => {
  await belay?.stop();
});

function wrapped(server: string, command: string, args: string[], env: Record<string, string> = {}): StdioClientTransport {
  return new StdioClientTransport({
    command: process.execPath,
    args: [BELAY_BIN, 'mcp-wrap', '--server', server, '--client', 'claude-desktop', '--', command, ...args],
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: 'pipe',
  });
}

async function connect(transport: StdioClientTransport): Promise<Client> {
  const client = new Client({ name: 'held-call-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function pending(): Promise<PendingApproval[]> {
  const res = await runBelay(['approvals', 'list', '--json']);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as PendingApproval[];
}

/** Polls `belay approvals list --json` until an approval for `tool` is held. */
async function waitForApproval(tool: string): Promise<PendingApproval> {
  for (let i = 0; i < 100; i++) {
    const found = (await pending()).find((a) => a.subject.tool === tool);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no approval for ${tool} appeared`);
}

function text(res: Awaited<ReturnType<Client['callTool']>>): string {
  return (res.content as { type: string; text: string }[]).map((c) => c.text).join('\n');
}

function events(): ReturnType<AuditLog['query']> {
  belay.audit.flush();
  const log = AuditLog.open(belay.paths.database);
  try {
    return log.query({ limit: 1000, order: 'oldest' });
  } finally {
    log.close();
  }
}

describe('a destructive call through belay mcp-wrap, held by a running Belay and answered with belay approvals', () => {
  it('allow → the write happens; deny → isError "Blocked by Belay" and no file; remember always → the next call is not asked', async () => {
    mkdirSync(process.env.HOME!, { recursive: true });
    const dir = mkdtempSync(path.join(process.env.HOME!, 'held-'));
    const client = await connect(wrapped('fs', FS_BIN, [dir]));
    await client.listTools();

    // 1. Held, then allowed from the CLI.
    const first = path.join(dir, 'allowed.txt');
    const write1 = client.callTool({ name: 'write_file', arguments: { path: first, content: 'yes' } });
    const held1 = await waitForApproval('write_file');
    expect(held1.subject).toMatchObject({ kind: 'mcp.tool_call', server: 'fs', client: 'claude-desktop', tool: 'write_file' });
    expect(existsSync(first)).toBe(false);
    const allow = await runBelay(['approvals', 'allow', held1.id]);
    expect(allow.code, allow.stderr).toBe(0);
    const res1 = await write1;
    expect(res1.isError).toBeFalsy();
    expect(readFileSync(first, 'utf8')).toBe('yes');

    // 2. Held, then denied: the server never sees it.
    const second = path.join(dir, 'denied.txt');
    const write2 = client.callTool({ name: 'write_file', arguments: { path: second, content: 'no' } });
    const held2 = await waitForApproval('write_file');
    expect(held2.id).not.toBe(held1.id);
    expect((await runBelay(['approvals', 'deny', held2.id])).code).toBe(0);
    const res2 = await write2;
    expect(res2.isError).toBe(true);
    expect(text(res2)).toMatch(/^Blocked by Belay: .*The user was asked and declined\.$/);
    expect(existsSync(second)).toBe(false);

    // 3. Allowed and remembered for the tool: the next write is not asked.
    const third = path.join(dir, 'remembered.txt');
    const write3 = client.callTool({ name: 'write_file', arguments: { path: third, content: '3' } });
    const held3 = await waitForApproval('write_file');
    expect((await runBelay(['approvals', 'allow', held3.id, '--remember', 'always', '--scope', 'tool'])).code).toBe(0);
    expect((await write3).isError).toBeFalsy();
    const fourth = path.join(dir, 'not-asked.txt');
    const res4 = await client.callTool({ name: 'write_file', arguments: { path: fourth, content: '4' } });
    expect(res4.isError).toBeFalsy();
    expect(readFileSync(fourth, 'utf8')).toBe('4');
    expect(await pending()).toEqual([]);
    await client.close();

    const writes = events().filter((e) => e.type === 'mcp.tool_call' && e.tool === 'write_file');
    expect(writes.map((e) => [e.decision, e.decidedBy])).toEqual([
      ['ask', 'human'],
      ['ask', 'human'],
      ['ask', 'human'],
      ['ask', 'remembered'],
    ]);
    expect(writes[1]).toMatchObject({ transport: 'stdio', server: 'fs', client: 'claude-desktop', data: { refused: 'request', approvalId: held2.id } });
  }, 60_000);

  it('a tool whose description changed since the last run: tool.changed is logged and the next call to it is asked', async () => {
    const run = async (description: string) => connect(wrapped('described', process.execPath, [DESCRIBED_SERVER], { TOOL_DESCRIPTION: description }));

    // First run: the tool is seen and pinned; calling it is not asked.
    const before = await run('Looks a word up in the dictionary.');
    await before.listTools();
    expect(text(await before.callTool({ name: 'lookup', arguments: { word: 'a' } }))).toBe('looked up a');
    await before.close();
    expect(belay.inventory.list().find((s) => s.server === 'described')?.tools[0]).toMatchObject({ name: 'lookup', pendingChange: false });

    // Second run: same tool, new description.
    const after = await run('Looks a word up in the thesaurus and returns synonyms.');
    await after.listTools();
    const call = after.callTool({ name: 'lookup', arguments: { word: 'b' } });
    const held = await waitForApproval('lookup');
    const finding = held.findings.find((f) => f.detector === 'tool-changed');
    expect(finding?.evidence).toContain('thesaurus');
    expect((await runBelay(['approvals', 'deny', held.id])).code).toBe(0);
    expect((await call).isError).toBe(true);
    await after.close();

    const all = events().filter((e) => e.server === 'described');
    const changed = all.filter((e) => e.type === 'tool.changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ transport: 'stdio', client: 'claude-desktop', tool: 'lookup', risk: 'medium', data: { change: 'changed' } });
    expect(changed[0].links?.length).toBe(1);
    // The first run announced the server once.
    expect(all.filter((e) => e.type === 'server.new')).toHaveLength(1);
    const calls = all.filter((e) => e.type === 'mcp.tool_call');
    expect(calls.map((e) => e.decision)).toEqual(['allow', 'ask']);
    expect(calls[1].data).toMatchObject({ approvedPin: changed[0].data?.previousPin, toolPin: changed[0].data?.pin });
  }, 60_000);
});
