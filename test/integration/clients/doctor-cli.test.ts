import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DoctorResponse } from '../../../shared/api.js';
import { buildOnce, runBelay } from '../../helpers/stdio-relay.js';

beforeAll(() => buildOnce(), 120_000);

describe('belay doctor (the real CLI)', () => {
  it('no copilot installed: says so, exit 0', async () => {
    const res = await runBelay(['doctor']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('No copilot was found for this user.');
  });

  it('a copilot with an unguarded MCP server: exit 1, the fix command printed; --json for scripts', async () => {
    const file = path.join(process.env.HOME!, '.cursor', 'mcp.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ mcpServers: { git: { command: 'uvx', args: ['mcp-server-git'] } } }));
    const res = await runBelay(['doctor', 'cursor'], { env: { ...process.env, HTTPS_PROXY: '' } });
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('Cursor: NOT fully guarded');
    expect(res.stdout).toContain('fix: belay clients protect cursor');
    expect(res.stdout).toContain('fix: belay setup cursor');

    const json = await runBelay(['doctor', 'cursor', '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as DoctorResponse;
    expect(report.clients).toHaveLength(1);
    expect(report.clients[0].checks.find((c) => c.id === 'mcp')).toMatchObject({ ok: false, level: 'error', fix: 'belay clients protect cursor' });
  });

  it('an unknown client is a usage error (exit 2)', async () => {
    const res = await runBelay(['doctor', 'atom']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('unknown client "atom"');
  });
});
