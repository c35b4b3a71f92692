import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, runBelay } from '../../helpers/stdio-relay.js';

beforeAll(() => buildOnce(), 120_000);

// The CLI finds client files from HOME / XDG_CONFIG_HOME: the test's temp folders (test/helpers/setup.ts).
const cursorSettings = () => path.join(process.env.XDG_CONFIG_HOME!, 'Cursor', 'User', 'settings.json');

describe('belay setup (the real CLI)', () => {
  it('cursor: writes the proxy from settings.json in the data folder, --undo restores the file exactly', async () => {
    const file = cursorSettings();
    mkdirSync(path.dirname(file), { recursive: true });
    const original = '{\n  // mine\n  "editor.fontSize": 13\n}\n';
    writeFileSync(file, original);
    mkdirSync(process.env.BELAY_HOME!, { recursive: true });
    writeFileSync(path.join(process.env.BELAY_HOME!, 'settings.json'), JSON.stringify({ proxy: { port: 18443 } }));

    const dry = await runBelay(['setup', 'cursor', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('+  "http.proxy": "http://127.0.0.1:18443"');
    expect(readFileSync(file, 'utf8')).toBe(original);

    const res = await runBelay(['setup', 'cursor']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Undo with: belay setup cursor --undo');
    expect(res.stdout).toContain('What it does not cover:');
    expect(parse(readFileSync(file, 'utf8'))).toMatchObject({ 'http.proxy': 'http://127.0.0.1:18443', 'cursor.general.disableHttp2': true });

    const undo = await runBelay(['setup', 'cursor', '--undo']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('a settings file that does not parse: exit 1, file untouched', async () => {
    const file = cursorSettings();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{ "a": ');
    const res = await runBelay(['setup', 'cursor']);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('cannot parse');
    expect(readFileSync(file, 'utf8')).toBe('{ "a": ');
  });

  it('usage errors exit 2: unknown client, --write-shell-rc for an editor', async () => {
    const bad = await runBelay(['setup', 'notepad']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown client "notepad"');
    const rc = await runBelay(['setup', 'vscode', '--write-shell-rc']);
    expect(rc.code).toBe(2);
    expect(existsSync(path.join(process.env.HOME!, '.bashrc'))).toBe(false);
  });

  it('claude-code --json lists the environment lines', async () => {
    const res = await runBelay(['setup', 'claude-code', '--json', '--proxy-port', '9000']);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { instructions: string[] };
    expect(out.instructions.join('\n')).toContain("HTTPS_PROXY='http://127.0.0.1:9000'");
  });
});
