import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { changeClients, scanClient, type ClientsContext } from '../../../core/clients/manage.js';
import { mcpConfigLocations } from '../../../core/clients/locations.js';
import { CLIENT_IDS } from '../../../core/clients/types.js';
import { belayPaths } from '../../../core/paths.js';
import { FIXTURES, fakeMachine, installFixtures } from '../../helpers/clients-fixtures.js';

const launcher = { command: '/opt/node/bin/node', prefixArgs: ['/opt/belay/bin/belay.js'] };

function ctxFor(platform: NodeJS.Platform): ClientsContext & { files: string[] } {
  const m = fakeMachine(platform);
  const paths = belayPaths(path.join(m.root, 'belay-data'));
  const files = installFixtures(m, m.project, [...CLIENT_IDS]);
  return { env: m, paths, projectDir: m.project, launcher, files };
}

const snapshot = (files: string[]) => Object.fromEntries(files.map((f) => [f, readFileSync(f, 'utf8')]));

describe.each(['darwin', 'win32', 'linux'] as const)('client configs on a %s layout', (platform) => {
  it('puts each file where that OS keeps it', () => {
    const ctx = ctxFor(platform);
    const desktop = mcpConfigLocations('claude-desktop', ctx.env)[0].path;
    const expected = {
      darwin: path.join(ctx.env.home, 'Library', 'Application Support', 'Claude'),
      win32: path.join(ctx.env.appData, 'Claude'),
      linux: path.join(ctx.env.home, '.config', 'Claude'),
    }[platform];
    expect(desktop).toBe(path.join(expected, 'claude_desktop_config.json'));
    expect(mcpConfigLocations('windsurf', ctx.env)[0].path).toBe(path.join(ctx.env.home, '.codeium', 'windsurf', 'mcp_config.json'));
  });

  it('protect wraps every stdio server, keeps the rest, and unprotect restores every file byte for byte', () => {
    const ctx = ctxFor(platform);
    const original = snapshot(ctx.files);

    const results = changeClients('protect', [...CLIENT_IDS], ctx);
    expect(results.filter((r) => r.outcome === 'error')).toEqual([]);
    for (const file of ctx.files) expect(readFileSync(file, 'utf8')).not.toBe(original[file]);

    // Every stdio server now runs through belay mcp-wrap; remote ones are untouched.
    const all = CLIENT_IDS.flatMap((c) => scanClient(c, ctx)).flatMap((f) => f.servers);
    expect(all.length).toBeGreaterThan(10);
    for (const s of all) expect(s.protected).toBe(s.transport === 'stdio');

    // Comments and unknown fields survive.
    const cursor = readFileSync(mcpConfigLocations('cursor', ctx.env)[0].path, 'utf8');
    expect(cursor).toContain('// local tools');
    expect(cursor).toContain('// the db');
    const desktop = parse(readFileSync(mcpConfigLocations('claude-desktop', ctx.env)[0].path, 'utf8'));
    expect(desktop.mcpServers.memory['x-custom']).toEqual({ keep: true });
    expect(desktop.mcpServers.github.env).toEqual({ GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_not_a_real_token_000000000000000000' });
    expect(desktop.mcpServers.github.command).toBe(launcher.command);
    expect(desktop.mcpServers.github.args).toEqual([
      '/opt/belay/bin/belay.js', 'mcp-wrap', '--server', 'github', '--client', 'claude-desktop', '--',
      'docker', 'run', '-i', '--rm', '-e', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'ghcr.io/github/github-mcp-server',
    ]);
    expect(desktop.globalShortcut).toBe('Ctrl+Space');

    // The sidecar state never copies env blocks (they hold API keys) and is private.
    const stateText = readFileSync(ctx.paths.clientsState, 'utf8');
    expect(stateText).not.toContain('ghp_not_a_real_token');
    expect(stateText).not.toContain('not-a-real-key');
    if (process.platform !== 'win32') expect(statSync(ctx.paths.clientsState).mode & 0o777).toBe(0o600);

    const afterProtect = snapshot(ctx.files);
    const again = changeClients('protect', [...CLIENT_IDS], ctx);
    expect(again.every((r) => r.outcome === 'unchanged')).toBe(true);
    expect(snapshot(ctx.files)).toEqual(afterProtect);

    changeClients('unprotect', [...CLIENT_IDS], ctx);
    expect(snapshot(ctx.files)).toEqual(original);
    expect(Object.keys(JSON.parse(readFileSync(ctx.paths.clientsState, 'utf8')).protected)).toEqual([]);
  });
});

describe('client configs: edge cases', () => {
  it('keeps CRLF line endings and 4-space indent in VS Code settings.json', () => {
    const ctx = ctxFor('linux');
    changeClients('protect', ['vscode'], ctx);
    const settings = readFileSync(mcpConfigLocations('vscode', ctx.env)[1].path, 'utf8');
    expect(settings).toContain('mcp-wrap');
    expect(settings.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('a missing file is reported and not created', () => {
    const ctx = ctxFor('linux');
    const cursorFile = mcpConfigLocations('cursor', ctx.env)[0].path;
    const m = fakeMachine('linux');
    const results = changeClients('protect', ['cursor'], { ...ctx, env: m, projectDir: undefined });
    expect(results).toEqual([{ client: 'cursor', path: path.join(m.home, '.cursor', 'mcp.json'), outcome: 'missing', changed: [] }]);
    expect(existsSync(path.join(m.home, '.cursor', 'mcp.json'))).toBe(false);
    expect(existsSync(cursorFile)).toBe(true);
  });

  it('an empty file or {} has nothing to protect and stays as it is', () => {
    const ctx = ctxFor('linux');
    const file = mcpConfigLocations('windsurf', ctx.env)[0].path;
    for (const text of ['', '{}\n', '{ "mcpServers": {} }']) {
      writeFileSync(file, text);
      expect(changeClients('protect', ['windsurf'], ctx)[0].outcome).toBe('unchanged');
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });

  it('a file that does not parse is left untouched with an error naming the file and position', () => {
    const ctx = ctxFor('linux');
    const file = mcpConfigLocations('windsurf', ctx.env)[0].path;
    const broken = readFileSync(path.join(FIXTURES, 'broken.json'), 'utf8');
    writeFileSync(file, broken);
    const [result] = changeClients('protect', ['windsurf'], ctx);
    expect(result.outcome).toBe('error');
    expect(result.error).toContain(`${file}:3:31`);
    expect(result.error).toContain('CommaExpected');
    expect(readFileSync(file, 'utf8')).toBe(broken);
    // Other clients' files are still processed.
    expect(changeClients('protect', ['cursor', 'windsurf'], ctx).map((r) => r.outcome)).toEqual(['changed', 'changed', 'error']);
  });

  it('--dry-run returns a unified diff and writes nothing', () => {
    const ctx = ctxFor('linux');
    const before = snapshot(ctx.files);
    const results = changeClients('protect', ['windsurf'], ctx, { dryRun: true });
    expect(results[0].outcome).toBe('would-change');
    expect(results[0].diff).toMatch(/^-\s+"command": "npx",$/m);
    expect(results[0].diff).toMatch(/^\+\s+"command": "\/opt\/node\/bin\/node",$/m);
    expect(snapshot(ctx.files)).toEqual(before);
    expect(existsSync(ctx.paths.clientsState)).toBe(false);
  });

  it('takes a private backup before changing a file and keeps the file mode', () => {
    const ctx = ctxFor('linux');
    const file = mcpConfigLocations('windsurf', ctx.env)[0].path;
    chmodSync(file, 0o640);
    const original = readFileSync(file, 'utf8');
    const [result] = changeClients('protect', ['windsurf'], ctx);
    expect(result.backup).toBeDefined();
    expect(readFileSync(result.backup!, 'utf8')).toBe(original);
    expect(statSync(result.backup!).mode & 0o777).toBe(0o600);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(path.dirname(file)).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('a server added after protect is found by status and protected on request', () => {
    const ctx = ctxFor('linux');
    const file = mcpConfigLocations('windsurf', ctx.env)[0].path;
    const original = readFileSync(file, 'utf8');
    changeClients('protect', ['windsurf'], ctx);
    const late = (t: string) => t.replace('"mcpServers": {', '"mcpServers": {\n        "late": {"command": "uvx", "args": ["late-server"]},');
    const text = late(readFileSync(file, 'utf8'));
    writeFileSync(file, text);
    const found = scanClient('windsurf', ctx)[0].servers.find((s) => s.name === 'late')!;
    expect(found).toMatchObject({ transport: 'stdio', protected: false, command: 'uvx' });
    changeClients('protect', ['windsurf'], ctx, { only: ['late'] });
    expect(scanClient('windsurf', ctx)[0].servers.every((s) => s.transport !== 'stdio' || s.protected)).toBe(true);
    changeClients('unprotect', ['windsurf'], ctx);
    // Both the early and the late server come back exactly as written.
    expect(readFileSync(file, 'utf8')).toBe(late(original));
  });

  it('unprotect keeps edits the user made to a protected entry, restoring the command from the wrapper', () => {
    const ctx = ctxFor('linux');
    const file = mcpConfigLocations('claude-desktop', ctx.env)[0].path;
    changeClients('protect', ['claude-desktop'], ctx);
    const doc = readFileSync(file, 'utf8').replace('"x-custom": { "keep": true }', '"x-custom": { "keep": false }');
    writeFileSync(file, doc);
    changeClients('unprotect', ['claude-desktop'], ctx);
    const back = parse(readFileSync(file, 'utf8'));
    expect(back.mcpServers.memory).toEqual({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'], 'x-custom': { keep: false } });
  });

  it('unprotect works without the state file (data folder wiped)', () => {
    const ctx = ctxFor('linux');
    const file = mcpConfigLocations('cursor', ctx.env)[0].path;
    changeClients('protect', ['cursor'], ctx);
    const fresh = { ...ctx, paths: belayPaths(path.join(ctx.env.home, 'other-data')) };
    mkdirSync(fresh.paths.home, { recursive: true });
    changeClients('unprotect', ['cursor'], fresh);
    const back = parse(readFileSync(file, 'utf8'));
    expect(back.mcpServers.sqlite).toEqual({ command: 'uvx', args: ['mcp-server-sqlite', '--db-path', '~/test.db'] });
    expect(back.mcpServers['no-args']).toEqual({ command: '/usr/local/bin/my-server' });
  });

  it('honours CLAUDE_CONFIG_DIR and finds every project section of ~/.claude.json', () => {
    const ctx = ctxFor('linux');
    const moved = { ...ctx.env, claudeConfigDir: path.join(ctx.env.home, 'cc') };
    expect(mcpConfigLocations('claude-code', moved)[0].path).toBe(path.join(ctx.env.home, 'cc', '.claude.json'));
    const [user, project] = scanClient('claude-code', ctx);
    expect(user.servers.map((s) => [s.container.join('.'), s.name, s.transport])).toEqual([
      ['mcpServers', 'puppeteer', 'stdio'],
      ['projects./home/me/work/app.mcpServers', 'postgres', 'stdio'],
      ['projects./home/me/work/app.mcpServers', 'linear', 'sse'],
    ]);
    expect(project.path).toBe(path.join(ctx.projectDir!, '.mcp.json'));
  });
});
