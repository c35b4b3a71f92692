import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { belayPaths } from '../../../core/paths.js';
import { BELAY_BIN, EVERYTHING_SERVER, FS_SERVER, buildOnce, runBelay } from '../../helpers/stdio-relay.js';

beforeAll(() => buildOnce(), 120_000);

/** Child processes get the test's temp HOME / BELAY_HOME (set by test/helpers/setup.ts). */
const env = () => ({ ...process.env }) as Record<string, string>;

function wrapped(server: string, command: string, args: string[]): StdioClientTransport {
  return new StdioClientTransport({
    command: process.execPath,
    args: [BELAY_BIN, 'mcp-wrap', '--server', server, '--client', 'claude-desktop', '--', command, ...args],
    env: env(),
    stderr: 'pipe',
  });
}

describe('belay mcp-wrap (the real CLI) between a real SDK client and real MCP servers', () => {
  it('relays the everything server: tools, a harmless call, the server sees the client environment; events land in the audit DB', async () => {
    const client = new Client({ name: 'cli-test', version: '1.0.0' });
    await client.connect(wrapped('everything', process.execPath, [EVERYTHING_SERVER, 'stdio']));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-env']));
    expect(await client.callTool({ name: 'echo', arguments: { message: 'hi' } })).toMatchObject({ content: [{ type: 'text', text: 'Echo: hi' }] });
    const envResult = await client.callTool({ name: 'get-env', arguments: {} });
    expect(JSON.stringify(envResult.content)).toContain(JSON.stringify(process.env.BELAY_HOME).slice(1, -1));
    await client.close();

    const log = AuditLog.open(belayPaths().database);
    try {
      await expect
        .poll(() => log.query({ limit: 50 }).filter((e) => e.server === 'everything').map((e) => e.type), { timeout: 5000 })
        .toEqual(expect.arrayContaining(['mcp.initialize', 'mcp.tools_list', 'mcp.tool_call']));
      const echo = log.query({ limit: 50 }).find((e) => e.tool === 'echo')!;
      expect(echo).toMatchObject({ transport: 'stdio', client: 'claude-desktop', protocol: 'mcp', decision: 'allow' });
    } finally {
      log.close();
    }
  });

  it('works with the filesystem server', async () => {
    mkdirSync(process.env.HOME!, { recursive: true });
    const dir = mkdtempSync(path.join(process.env.HOME!, 'wrapfs-'));
    const client = new Client({ name: 'cli-test', version: '1.0.0' });
    await client.connect(wrapped('fs', process.execPath, [FS_SERVER, dir]));
    const res = await client.callTool({ name: 'list_allowed_directories', arguments: {} });
    expect(JSON.stringify(res.content)).toContain(path.basename(dir));
    await client.close();
  });

  it('passes the server exit code on, and writes nothing but protocol to stdout', async () => {
    const res = await runBelay(['mcp-wrap', '--server', 'crashy', '--', process.execPath, '-e', 'process.stderr.write("boom\\n"); process.exit(7)'], { input: '' });
    expect(res.code).toBe(7);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('boom');
  });

  it('dies of the same signal as the server', async () => {
    const res = await runBelay(['mcp-wrap', '--server', 'killed', '--', process.execPath, '-e', 'process.kill(process.pid, "SIGKILL")'], { input: '' });
    expect(res.signal).toBe('SIGKILL');
  });

  it('forwards SIGTERM to the server and exits with what the server chose', async () => {
    const script = 'process.on("SIGTERM", () => process.exit(42)); process.stdout.write(JSON.stringify({jsonrpc:"2.0",method:"notifications/ready"})+"\\n"); setInterval(() => {}, 1000)';
    const child = spawn(process.execPath, [BELAY_BIN, 'mcp-wrap', '--server', 'trap', '--', process.execPath, '-e', script], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(code).toBe(42);
  });

  it('says clearly when the server command does not exist', async () => {
    const res = await runBelay(['mcp-wrap', '--server', 'ghost', '--', 'no-such-mcp-server-binary'], { input: '' });
    expect(res.code).toBe(127);
    expect(res.stderr).toContain('belay: cannot start MCP server "ghost" (no-such-mcp-server-binary): not found');
    expect(res.stdout).toBe('');
  });

  it('requires --server (usage error, exit 2)', async () => {
    const res = await runBelay(['mcp-wrap', '--', 'true'], { input: '' });
    expect(res.code).toBe(2);
  });
});

describe('belay mcp-wrap with the real guard and a policy file', () => {
  async function fsClient(dir: string): Promise<Client> {
    const client = new Client({ name: 'cli-test', version: '1.0.0' });
    await client.connect(wrapped('fs', process.execPath, [FS_SERVER, dir]));
    return client;
  }

  function writePolicy(rules: string): void {
    const paths = belayPaths();
    mkdirSync(paths.home, { recursive: true });
    writeFileSync(paths.policy, `version: 1\nrules:\n${rules}\n`);
  }

  it('a write_file denied by policy never reaches the server', async () => {
    writePolicy('  - name: no-writes-here\n    match: { server: fs, tool: write_file }\n    action: deny\n    reason: Writes are off for this server');
    mkdirSync(process.env.HOME!, { recursive: true });
    const dir = mkdtempSync(path.join(process.env.HOME!, 'deny-'));
    const client = await fsClient(dir);
    const res = await client.callTool({ name: 'write_file', arguments: { path: path.join(dir, 'nope.txt'), content: 'x' } });
    expect(res.isError).toBe(true);
    expect((res.content as { text: string }[])[0].text).toBe('Blocked by Belay: Writes are off for this server. Policy does not allow this call.');
    expect(existsSync(path.join(dir, 'nope.txt'))).toBe(false);
    // A call the policy does not concern still works.
    expect((await client.callTool({ name: 'list_allowed_directories', arguments: {} })).isError).toBeFalsy();
    await client.close();
  });

  it('Belay not running: a call that needs approval is refused with a message that says so', async () => {
    writePolicy('  - name: ask-writes\n    match: { server: fs, tool: write_file }\n    action: ask\n    reason: Writes need a yes');
    const dir = mkdtempSync(path.join(process.env.HOME!, 'offline-'));
    const client = await fsClient(dir);
    const res = await client.callTool({ name: 'write_file', arguments: { path: path.join(dir, 'held.txt'), content: 'x' } });
    expect(res.isError).toBe(true);
    expect((res.content as { text: string }[])[0].text).toContain('Belay is not running');
    expect(existsSync(path.join(dir, 'held.txt'))).toBe(false);
    await client.close();
  });
});
