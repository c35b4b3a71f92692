import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DoctorClient } from '../../../shared/api.js';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { doctorService } from '../../../core/clients/doctor-service.js';
import { hasProblem, runDoctor, type DoctorContext } from '../../../core/clients/doctor.js';
import { mcpConfigLocations } from '../../../core/clients/locations.js';
import { changeClients } from '../../../core/clients/manage.js';
import { defaultLauncher } from '../../../core/clients/wrapper.js';
import { runSetup } from '../../../core/clients/setup.js';
import { editorSettingsFile } from '../../../core/clients/setup-editors.js';
import type { ClientId } from '../../../core/clients/types.js';
import { belayPaths, ensureDataDir } from '../../../core/paths.js';
import { ensureCa } from '../../../core/proxy/ca.js';
import { installCa } from '../../../core/trust/install.js';
import { caIdentity } from '../../../core/trust/types.js';
import { fakeMachine } from '../../helpers/clients-fixtures.js';

const hasCertutil = spawnSync('certutil', ['-H']).error === undefined;

function machine(platform: NodeJS.Platform = 'linux'): DoctorContext & { root: string } {
  const m = fakeMachine(platform);
  const env = { ...m, xdgDataHome: path.join(m.home, '.local', 'share'), xdgDataDirs: [path.join(m.root, 'usr', 'share')] };
  return { root: m.root, env, paths: belayPaths(path.join(m.root, 'belay-data')), port: 8080, shellEnv: {} };
}

function install(ctx: DoctorContext, client: ClientId, mcp?: Record<string, unknown>): void {
  const file = mcpConfigLocations(client, ctx.env)[0].path;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(client === 'vscode' ? { servers: mcp ?? {} } : { mcpServers: mcp ?? {} }, null, 2));
}

const check = (c: DoctorClient, id: string) => c.checks.find((k) => k.id === id)!;
const only = (ctx: DoctorContext, client: ClientId) => runDoctor({ ...ctx, clients: [client] }).clients[0];

async function withCa(ctx: DoctorContext): Promise<void> {
  ensureDataDir(ctx.paths);
  await ensureCa(ctx.paths);
}

describe('belay doctor', () => {
  it('a client that is not installed is reported, and is not a problem', () => {
    const ctx = machine();
    const report = runDoctor(ctx);
    expect(report.clients.map((c) => c.client)).toEqual(['claude-desktop', 'claude-code', 'cursor', 'vscode', 'windsurf']);
    for (const c of report.clients) {
      expect(c).toMatchObject({ installed: false, protected: false });
      expect(hasProblem(c)).toBe(false);
    }
  });

  it('cursor with nothing set up: every problem comes with the command that fixes it', async () => {
    const ctx = machine();
    install(ctx, 'cursor', { fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'] }, remote: { url: 'https://mcp.example.com/mcp' } });
    await withCa(ctx);
    const c = only({ ...ctx, trust: { run: () => ({ code: 255, stdout: '', stderr: 'not found' }) } }, 'cursor');
    expect(c).toMatchObject({ installed: true, protected: false });
    expect(hasProblem(c)).toBe(true);
    expect(check(c, 'routing')).toMatchObject({ level: 'error', fix: 'belay setup cursor', fixable: true });
    expect(check(c, 'ca')).toMatchObject({ level: 'error', fix: 'belay ca install --store nss', fixable: true });
    expect(check(c, 'traffic')).toMatchObject({ level: 'warn', fix: 'belay setup cursor' });
    expect(check(c, 'mcp')).toMatchObject({ level: 'error', fix: 'belay clients protect cursor', message: '1 MCP server(s) run without Belay: fs.' });
  });

  it('a settings.json with another proxy names what is wrong', () => {
    const ctx = machine();
    install(ctx, 'vscode');
    const file = editorSettingsFile('vscode', { ...ctx });
    writeFileSync(file, '{ "http.proxy": "http://corp:3128" }');
    expect(check(only(ctx, 'vscode'), 'routing').message).toContain('"http.proxy" is "http://corp:3128", should be "http://127.0.0.1:8080"');
  });

  it.skipIf(!hasCertutil)('cursor set up, CA trusted (real NSS db), servers protected, traffic seen: all checks pass', async () => {
    const ctx = machine();
    install(ctx, 'cursor', { fs: { command: 'npx', args: ['server'] } });
    await withCa(ctx);
    runSetup('cursor', ctx);
    changeClients('protect', ['cursor'], { env: ctx.env, paths: ctx.paths, launcher: defaultLauncher() });
    installCa(caIdentity(ctx.paths.caCert), { home: ctx.env.home, platform: 'linux', stores: 'nss' });
    const log = AuditLog.open(ctx.paths.database);
    log.append({ type: 'llm.request', protocol: 'llm', transport: 'proxy', client: 'cursor', host: 'api.openai.com' });
    log.close();

    const c = only(ctx, 'cursor');
    expect(c.checks.map((k) => [k.id, k.level])).toEqual([
      ['installed', 'ok'],
      ['routing', 'ok'],
      ['ca', 'ok'],
      ['traffic', 'ok'],
      ['mcp', 'ok'],
    ]);
    expect(check(c, 'traffic').message).toMatch(/Belay saw Cursor \d+ s ago \(llm\.request api\.openai\.com\)/);
    expect(c.protected).toBe(true);
    // Traffic older than "recently" does not count.
    expect(check(only({ ...ctx, now: Date.now() + 2 * 86_400_000 }, 'cursor'), 'traffic').level).toBe('warn');
  });

  it('claude-code: routed by this terminal\'s variables, or by the shell block Belay wrote; otherwise a problem', async () => {
    const ctx = machine();
    install(ctx, 'claude-code');
    await withCa(ctx);
    const bare = only(ctx, 'claude-code');
    expect(check(bare, 'routing')).toMatchObject({ level: 'error', fix: 'belay setup claude-code --write-shell-rc' });
    expect(check(bare, 'ca')).toMatchObject({ level: 'error' });

    const fromEnv = only({ ...ctx, shellEnv: { HTTPS_PROXY: 'http://127.0.0.1:8080', NODE_EXTRA_CA_CERTS: ctx.paths.caCert } }, 'claude-code');
    expect([check(fromEnv, 'routing').level, check(fromEnv, 'ca').level]).toEqual(['ok', 'ok']);
    const wrongPort = only({ ...ctx, shellEnv: { HTTPS_PROXY: 'http://127.0.0.1:9999' } }, 'claude-code');
    expect(check(wrongPort, 'routing').message).toContain('HTTPS_PROXY is http://127.0.0.1:9999, not Belay');

    runSetup('claude-code', { env: { ...ctx.env, shell: '/bin/bash' }, paths: ctx.paths, port: 8080 }, { writeShellRc: true });
    const fromRc = only(ctx, 'claude-code');
    expect([check(fromRc, 'routing').level, check(fromRc, 'ca').level]).toEqual(['ok', 'ok']);
    expect(check(fromRc, 'routing').message).toContain('.bashrc');
  });

  it('claude-desktop on Linux: routed once its launcher carries the flags; on macOS a warning that says how', () => {
    const ctx = machine();
    install(ctx, 'claude-desktop');
    const system = path.join(ctx.env.xdgDataDirs![0], 'applications', 'claude-desktop.desktop');
    mkdirSync(path.dirname(system), { recursive: true });
    writeFileSync(system, '[Desktop Entry]\nName=Claude\nExec=/usr/bin/claude-desktop %u\n');
    expect(check(only(ctx, 'claude-desktop'), 'routing')).toMatchObject({ level: 'error', fix: 'belay setup claude-desktop', fixable: true });
    runSetup('claude-desktop', ctx);
    expect(check(only(ctx, 'claude-desktop'), 'routing').level).toBe('ok');

    const mac = machine('darwin');
    install(mac, 'claude-desktop');
    expect(check(only(mac, 'claude-desktop'), 'routing')).toMatchObject({ level: 'warn', fix: 'belay setup claude-desktop' });
  });

  it('an MCP config that does not parse is a problem that names the file', () => {
    const ctx = machine();
    install(ctx, 'windsurf');
    writeFileSync(path.join(ctx.env.home, '.codeium', 'windsurf', 'mcp_config.json'), '{ "mcpServers": ');
    expect(check(only(ctx, 'windsurf'), 'mcp').message).toMatch(/mcp_config\.json:1:\d+: cannot parse/);
  });
});

describe.skipIf(!hasCertutil)('doctorService (GET /api/doctor, POST /api/doctor/fix)', () => {
  let ctx: ReturnType<typeof machine>;
  beforeAll(async () => {
    ctx = machine();
    process.env.HOME = ctx.env.home;
    process.env.XDG_CONFIG_HOME = ctx.env.xdgConfigHome;
    install(ctx, 'vscode', { fs: { command: 'node', args: ['server.js'] } });
    await withCa(ctx);
  });

  it('runs the checks and fixes routing, CA trust and MCP servers, after which they pass', async () => {
    const service = doctorService(ctx.paths, { port: () => 8080 });
    const before = (await service.run()).clients.find((c) => c.client === 'vscode')!;
    expect(before.checks.filter((k) => k.level === 'error').map((k) => k.id)).toEqual(['routing', 'ca', 'mcp']);
    for (const checkId of ['routing', 'ca', 'mcp']) {
      const r = await service.fix!({ client: 'vscode', checkId });
      expect(r.ok, r.message).toBe(true);
    }
    const after = (await service.run()).clients.find((c) => c.client === 'vscode')!;
    expect(after.checks.filter((k) => k.level === 'error')).toEqual([]);
    expect(await service.fix!({ client: 'vscode', checkId: 'traffic' })).toMatchObject({ ok: false });
    expect(await service.fix!({ client: 'emacs', checkId: 'routing' })).toMatchObject({ ok: false, message: 'unknown client "emacs"' });
  });
});
