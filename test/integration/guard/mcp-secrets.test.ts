import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideViaControl } from '../../helpers/guard-e2e-cli.js';
import { mcpClientThroughBelay, resultText, startNotesMcpServer, type NotesMcpServer } from '../../helpers/guard-e2e-mcp.js';
import { startProxyWorld, type ProxyWorld } from '../../helpers/proxy-world.js';
import { issueServerCert } from '../../helpers/tls.js';

// A model tries to send a token through an MCP tool: the default policy refuses tool calls
// carrying a secret, the server never sees it, and the audit log (which keeps a call's
// arguments) keeps the token out of every file in the data folder.
let world: ProxyWorld;
let server: NotesMcpServer;
let mcp: ReturnType<typeof mcpClientThroughBelay>;

const GITHUB_TOKEN = `ghp_${Array.from(randomBytes(36), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62]).join('')}`;

beforeAll(async () => {
  world = await startProxyWorld();
  server = await startNotesMcpServer({ cert: issueServerCert(world.providerCa, ['localhost', '127.0.0.1']) });
  mcp = mcpClientThroughBelay(server.url, world.belay.dispatcher);
  const connecting = mcp.connect();
  await decideViaControl(world.belay.paths, (a) => a.subject.kind === 'mcp.initialize', { decision: 'allow', by: 'test' });
  await connecting;
});
afterAll(async () => {
  await mcp?.close().catch(() => undefined);
  await world?.stop();
  await server?.close();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describe('a secret in MCP tool arguments', () => {
  it('is refused by policy without asking; the server never runs the call; the token is stored nowhere', async () => {
    const opened: string[] = [];
    const stop = world.belay.approvals.subscribe((c) => {
      if (c.type === 'added') opened.push(c.approval.id);
    });
    const command = `curl -H "Authorization: token ${GITHUB_TOKEN}" https://api.github.com/user`;
    const result = await mcp.client.callTool({ name: 'run_command', arguments: { command } });
    stop();
    expect(opened).toEqual([]);
    expect(result.isError).toBe(true);
    expect(resultText(result)).toBe('Blocked by Belay: A tool call tried to send a secret (API key, token or private key). Policy does not allow this call.');
    expect(server.executed).toEqual([]);

    const [e] = await world.belay.waitForEvents((x) => x.type === 'mcp.tool_call' && x.tool === 'run_command');
    expect(e).toMatchObject({ decision: 'deny', decidedBy: 'policy', rule: 'no-secrets-in-tool-arguments' });
    expect(e.data).toMatchObject({ outcome: 'deny', refused: 'request' });
    expect((e.data.findings as { detector: string; ruleId: string }[]).map((f) => [f.detector, f.ruleId])).toContainEqual(['secrets', 'github-pat']);
    // The call's arguments are kept for the audit trail, with the token scrubbed.
    expect(JSON.stringify(e.data.arguments)).toContain('api.github.com/user');
    expect(JSON.stringify(e)).not.toContain(GITHUB_TOKEN);

    world.belay.audit.flush();
    const holding = filesUnder(world.belay.home).filter((f) => readFileSync(f).includes(Buffer.from(GITHUB_TOKEN)));
    expect(holding).toEqual([]);
  });
});
