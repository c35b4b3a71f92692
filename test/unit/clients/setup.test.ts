import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { runSetup } from '../../../core/clients/setup.js';
import { editorSettingsFile } from '../../../core/clients/setup-editors.js';
import { addFlagsToExec } from '../../../core/clients/setup-desktop.js';
import type { SetupContext } from '../../../core/clients/setup-types.js';
import { loadState } from '../../../core/clients/state.js';
import { belayPaths } from '../../../core/paths.js';
import { FIXTURES, fakeMachine } from '../../helpers/clients-fixtures.js';

const SETUP_FIXTURES = path.join(FIXTURES, 'setup');

function machine(platform: NodeJS.Platform, extra: Partial<SetupContext['env']> = {}): SetupContext & { root: string } {
  const m = fakeMachine(platform);
  const env = {
    ...m,
    xdgDataHome: path.join(m.home, '.local', 'share'),
    xdgDataDirs: [path.join(m.root, 'usr', 'share')],
    ...extra,
  };
  return { root: m.root, env, paths: belayPaths(path.join(m.root, 'belay-data')), port: 8080 };
}

function put(file: string, fixture: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync(path.join(SETUP_FIXTURES, fixture), file);
  return readFileSync(file, 'utf8');
}

const read = (f: string) => readFileSync(f, 'utf8');

describe.each(['linux', 'darwin', 'win32'] as const)('belay setup cursor / vscode on a %s layout', (platform) => {
  it('cursor: sets the three keys keeping comments and tabs, reports the replaced office proxy, and --undo gives back the exact bytes', () => {
    const ctx = machine(platform);
    const file = editorSettingsFile('cursor', ctx);
    const original = put(file, 'cursor-settings.json');
    const res = runSetup('cursor', ctx);
    expect(res.files).toMatchObject([{ file, outcome: 'changed' }]);
    const text = read(file);
    expect(parse(text)).toMatchObject({ 'editor.fontSize': 14, 'http.proxy': 'http://127.0.0.1:8080', 'http.proxySupport': 'override', 'cursor.general.disableHttp2': true });
    expect(text).toContain('\t// Cursor user settings, tabs and comments kept');
    expect(text).toContain('\t"http.proxySupport": "override"');
    expect(res.notes.join('\n')).toContain('upstreamProxy": "http://proxy.corp.example:3128"');
    // A private backup of the original was taken first.
    expect(read(res.files[0].backup!)).toBe(original);
    // The sidecar keeps the previous value and the inverse edits, private.
    expect(loadState(ctx.paths.clientsState).setup.cursor?.files[0].settings).toContainEqual({ at: ['http.proxy'], existed: true, previous: 'http://proxy.corp.example:3128', written: 'http://127.0.0.1:8080' });
    if (platform !== 'win32') expect(statSync(ctx.paths.clientsState).mode & 0o777).toBe(0o600);

    const undo = runSetup('cursor', ctx, { undo: true });
    expect(undo.files).toMatchObject([{ file, outcome: 'changed' }]);
    expect(read(file)).toBe(original);
    expect(loadState(ctx.paths.clientsState).setup.cursor).toBeUndefined();
  });

  it('vscode: a settings file that does not exist is created, and undo removes it again', () => {
    const ctx = machine(platform);
    const file = editorSettingsFile('vscode', ctx);
    expect(existsSync(file)).toBe(false);
    expect(runSetup('vscode', ctx).files).toMatchObject([{ outcome: 'created' }]);
    expect(parse(read(file))).toEqual({ 'http.proxy': 'http://127.0.0.1:8080', 'http.proxySupport': 'override' });
    if (platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(runSetup('vscode', ctx, { undo: true }).files).toMatchObject([{ outcome: 'removed' }]);
    expect(existsSync(file)).toBe(false);
  });
});

describe('belay setup: safe edits', () => {
  it('CRLF and block comments are kept; setup twice is setup once', () => {
    const ctx = machine('linux');
    const file = editorSettingsFile('vscode', ctx);
    const original = put(file, 'vscode-settings-crlf.json');
    runSetup('vscode', ctx);
    const once = read(file);
    expect(once).toContain('/* block comment */');
    expect(once.split('\n').every((l, i, all) => i === all.length - 1 || l.endsWith('\r'))).toBe(true);
    const again = runSetup('vscode', ctx);
    expect(again.files).toMatchObject([{ outcome: 'unchanged' }]);
    expect(read(file)).toBe(once);
    runSetup('vscode', ctx, { undo: true });
    expect(read(file)).toBe(original);
  });

  it('a new proxy port replaces the old one, and undo still restores the original (not Belay\'s first value)', () => {
    const ctx = machine('linux');
    const file = editorSettingsFile('cursor', ctx);
    const original = put(file, 'cursor-settings.json');
    runSetup('cursor', ctx);
    runSetup('cursor', { ...ctx, port: 9191 });
    expect(parse(read(file))['http.proxy']).toBe('http://127.0.0.1:9191');
    expect(loadState(ctx.paths.clientsState).setup.cursor?.port).toBe(9191);
    runSetup('cursor', ctx, { undo: true });
    expect(read(file)).toBe(original);
  });

  it('after the user edited the file, undo takes out only Belay\'s values and leaves theirs', () => {
    const ctx = machine('linux');
    const file = editorSettingsFile('cursor', ctx);
    put(file, 'cursor-settings.json');
    runSetup('cursor', ctx);
    // The user changes one of Belay's keys and adds their own.
    writeFileSync(file, read(file).replace('"override"', '"on"').replace('"editor.fontSize": 14,', '"editor.fontSize": 16,'));
    const undo = runSetup('cursor', ctx, { undo: true });
    const after = parse(read(file));
    expect(after).toMatchObject({ 'editor.fontSize': 16, 'http.proxy': 'http://proxy.corp.example:3128', 'http.proxySupport': 'on' });
    expect(after).not.toHaveProperty('cursor.general.disableHttp2');
    expect(undo.notes.join('\n')).toContain('left "http.proxySupport" as it is');
  });

  it('a settings file that does not parse is left untouched with file:line:column', () => {
    const ctx = machine('linux');
    const file = editorSettingsFile('cursor', ctx);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{\n  "http.proxy": \n}\n');
    const res = runSetup('cursor', ctx);
    expect(res.files[0]).toMatchObject({ outcome: 'error' });
    expect(res.files[0].error).toMatch(/settings\.json:3:1: cannot parse/);
    expect(read(file)).toBe('{\n  "http.proxy": \n}\n');
    expect(existsSync(ctx.paths.clientsState)).toBe(false);
  });

  it('--dry-run shows a diff and writes nothing', () => {
    const ctx = machine('linux');
    const file = editorSettingsFile('cursor', ctx);
    const original = put(file, 'cursor-settings.json');
    const res = runSetup('cursor', ctx, { dryRun: true });
    expect(res.files[0].outcome).toBe('would-change');
    expect(res.files[0].diff).toContain('+\t"http.proxySupport": "override"');
    expect(read(file)).toBe(original);
    expect(existsSync(ctx.paths.clientsState)).toBe(false);
    expect(existsSync(ctx.paths.backups)).toBe(false);
  });

  it('undo with nothing recorded says so and changes nothing', () => {
    const ctx = machine('linux');
    const res = runSetup('vscode', ctx, { undo: true });
    expect(res.files).toEqual([]);
    expect(res.notes[0]).toContain('nothing to undo');
  });
});

describe('belay setup claude-code', () => {
  it('prints the proxy and NODE_EXTRA_CA_CERTS lines and writes nothing by default', () => {
    const ctx = machine('linux', { shell: '/bin/bash' });
    const res = runSetup('claude-code', ctx);
    expect(res.files).toEqual([]);
    const text = res.instructions.join('\n');
    expect(text).toContain("export HTTPS_PROXY='http://127.0.0.1:8080'");
    expect(text).toContain(`export NODE_EXTRA_CA_CERTS='${ctx.paths.caCert}'`);
    expect(text).toContain('--write-shell-rc');
    expect(existsSync(path.join(ctx.env.home, '.bashrc'))).toBe(false);
  });

  it('--write-shell-rc appends a marked block to ~/.bashrc (no trailing newline kept right) and creates ~/.zshrc for a zsh user; undo is exact', () => {
    const ctx = machine('linux', { shell: '/usr/bin/zsh' });
    const bashrc = path.join(ctx.env.home, '.bashrc');
    const original = put(bashrc, 'bashrc-no-newline');
    const res = runSetup('claude-code', ctx, { writeShellRc: true });
    const zshrc = path.join(ctx.env.home, '.zshrc');
    expect(res.files.map((f) => [f.file, f.outcome])).toEqual([
      [bashrc, 'changed'],
      [zshrc, 'created'],
    ]);
    const text = read(bashrc);
    expect(text.startsWith(`${original}\n# >>> belay setup claude-code >>>\n`)).toBe(true);
    expect(text).toContain("export HTTPS_PROXY='http://127.0.0.1:8080'");
    expect(text.trimEnd().endsWith('# <<< belay setup claude-code <<<')).toBe(true);
    expect(statSync(zshrc).mode & 0o777).toBe(0o644);
    // Twice = once.
    expect(runSetup('claude-code', ctx, { writeShellRc: true }).files.every((f) => f.outcome === 'unchanged')).toBe(true);

    runSetup('claude-code', ctx, { undo: true });
    expect(read(bashrc)).toBe(original);
    expect(existsSync(zshrc)).toBe(false);
  });

  it('fish gets its own conf.d file; a block the user kept lines after is still taken out on undo', () => {
    const ctx = machine('linux', { shell: '/usr/bin/fish' });
    runSetup('claude-code', ctx, { writeShellRc: true });
    const fish = path.join(ctx.env.xdgConfigHome, 'fish', 'conf.d', 'belay.fish');
    expect(read(fish)).toContain("set -gx HTTPS_PROXY 'http://127.0.0.1:8080'");
    writeFileSync(fish, `${read(fish)}set -gx EDITOR vim\n`);
    runSetup('claude-code', ctx, { undo: true });
    expect(read(fish)).toBe('set -gx EDITOR vim\n');
  });

  it('on Windows: PowerShell and setx lines, no files', () => {
    const ctx = machine('win32');
    const res = runSetup('claude-code', ctx, { writeShellRc: true });
    expect(res.files).toEqual([]);
    expect(res.instructions.join('\n')).toContain("$env:HTTPS_PROXY = 'http://127.0.0.1:8080'");
    expect(res.instructions.join('\n')).toContain('setx NODE_EXTRA_CA_CERTS');
  });
});

describe.each(['claude-desktop', 'windsurf'] as const)('belay setup %s', (client) => {
  const fixture = client === 'claude-desktop' ? 'claude-desktop.desktop' : 'windsurf-flatpak.desktop';
  const entryName = client === 'claude-desktop' ? 'claude-desktop.desktop' : 'com.codeium.windsurf.desktop';

  it('Linux: a user launcher entry with --proxy-server and --disable-quic overrides the system one; undo deletes it', () => {
    const ctx = machine('linux');
    const system = path.join(ctx.env.xdgDataDirs![0], 'applications', entryName);
    const systemText = put(system, fixture);
    const res = runSetup(client, ctx);
    const user = path.join(ctx.env.xdgDataHome!, 'applications', entryName);
    expect(res.files).toMatchObject([{ file: user, outcome: 'created' }]);
    const text = read(user);
    const execs = text.split('\n').filter((l) => l.startsWith('Exec='));
    expect(execs.length).toBeGreaterThan(0);
    for (const e of execs) expect(e).toContain('--proxy-server=http://127.0.0.1:8080 --disable-quic');
    // Field codes stay last, so the flags reach the app itself (through flatpak too).
    if (client === 'windsurf') expect(execs[0]).toBe('Exec=/usr/bin/flatpak run --branch=stable --arch=x86_64 --command=windsurf com.codeium.windsurf --proxy-server=http://127.0.0.1:8080 --disable-quic %F');
    expect(read(system)).toBe(systemText);
    expect(res.limits.join('\n')).toContain('no proxy setting of its own');
    runSetup(client, ctx, { undo: true });
    expect(existsSync(user)).toBe(false);
    expect(readdirSync(path.dirname(user))).toEqual([]);
  });

  it('Linux: the user\'s own launcher entry is changed in place and undo restores its bytes', () => {
    const ctx = machine('linux');
    const user = path.join(ctx.env.xdgDataHome!, 'applications', entryName);
    const original = put(user, fixture);
    expect(runSetup(client, ctx).files).toMatchObject([{ file: user, outcome: 'changed' }]);
    expect(read(user)).toContain('--disable-quic');
    runSetup(client, ctx, { undo: true });
    expect(read(user)).toBe(original);
  });

  it('Linux without a launcher entry: says so and prints the flags to start it by hand', () => {
    const ctx = machine('linux');
    const res = runSetup(client, ctx);
    expect(res.files).toEqual([]);
    expect(res.instructions[0]).toContain('No launcher entry');
    expect(res.instructions[0]).toContain('--proxy-server=http://127.0.0.1:8080 --disable-quic');
  });

  it.each(['darwin', 'win32'] as const)('%s: guidance only (launch flags, system proxy, CA), and says what it does not do', (platform) => {
    const ctx = machine(platform);
    const res = runSetup(client, ctx);
    expect(res.files).toEqual([]);
    const text = res.instructions.join('\n');
    expect(text).toContain('--proxy-server=http://127.0.0.1:8080 --disable-quic');
    expect(text).toContain('belay ca install');
    if (platform === 'darwin') expect(text).toContain('open -a');
    expect(res.limits.join('\n')).toMatch(/does not (change|edit)/);
  });
});

describe('addFlagsToExec', () => {
  it('puts the flags before field codes, at the end otherwise, and leaves lines that already set a proxy', () => {
    const flags = '--proxy-server=http://127.0.0.1:1 --disable-quic';
    const { text, changed } = addFlagsToExec('Exec=/a/b %U\nExec="/a b/c" --x\nExec=/d --proxy-server=socks5://x\n', flags);
    expect(changed).toBe(2);
    expect(text).toBe(`Exec=/a/b ${flags} %U\nExec="/a b/c" --x ${flags}\nExec=/d --proxy-server=socks5://x\n`);
  });
});
