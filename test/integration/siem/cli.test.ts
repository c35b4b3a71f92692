import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../core/cli/main.js';
import { belayPaths } from '../../../core/paths.js';
import { makeTestPki, type TestPki } from '../../helpers/siem-certs.js';
import { SplunkHecReceiver } from '../../helpers/siem-receivers.js';

/**
 * The real CLI: `add --token-stdin` in a real process (real stdin), the rest in-process
 * through main() with stdout/stderr captured (a process per command costs seconds).
 */
const root = path.resolve(import.meta.dirname, '../../..');
const TOKEN = 'c0ffee00-1234-4abc-9def-0123456789ab';

function belay(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'jiti/register', path.join(root, 'test/helpers/siem-cli-entry.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ...opts.env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    child.stdin.end(opts.input ?? '');
  });
}

let pki: TestPki;
let hec: SplunkHecReceiver;
const seen: string[] = [];

beforeAll(async () => {
  pki = makeTestPki();
  hec = await new SplunkHecReceiver({ token: TOKEN, pki }).start();
});
afterAll(async () => {
  await hec?.stop();
  // Nothing the CLI printed, in any command, ever contained the token.
  expect(seen.join('\n')).not.toContain(TOKEN);
});

async function runInProcess(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const saved = { out: process.stdout.write, err: process.stderr.write, env: { ...process.env } };
  let out = '';
  let err = '';
  process.stdout.write = ((c: string | Uint8Array) => ((out += c.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((err += c.toString()), true)) as typeof process.stderr.write;
  Object.assign(process.env, env);
  try {
    const code = await main(['node', 'belay', ...args]);
    return { code, out, err };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.env = saved.env;
    process.exitCode = undefined;
  }
}

async function run(args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const r = opts.input !== undefined ? await belay(args, opts) : await runInProcess(args, opts.env);
  seen.push(r.out, r.err);
  return r;
}

describe('belay siem (CLI)', () => {
  it('add with the token on stdin, list masked, test sends one event, status from the database', async () => {
    const add = await run(['siem', 'add', 'splunk', '--type', 'splunk-hec', '--url', hec.url, '--ca-file', pki.caFile, '--token-stdin'], { input: `${TOKEN}\n` });
    expect(add.code).toBe(0);
    expect(add.out).toMatch(/Added splunk-hec destination "splunk" → https:\/\/127\.0\.0\.1:\d+ \(token ••••89ab\)/);
    const paths = belayPaths();
    expect(statSync(paths.siemSecrets).mode & 0o777).toBe(0o600);
    expect(readFileSync(paths.siem, 'utf8')).not.toContain(TOKEN);
    expect(JSON.parse(readFileSync(paths.siemSecrets, 'utf8')).splunk.token).toBe(TOKEN);

    const list = await run(['siem', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out)[0]).toMatchObject({ name: 'splunk', credentials: 'token ••••89ab' });

    const test = await run(['siem', 'test', 'splunk']);
    expect(test.code).toBe(0);
    expect(test.out).toMatch(/OK in \d+ ms: HTTP 200: Success \(code 0\)/);
    expect(hec.indexed.at(-1)!.event).toMatchObject({ type: 'system', data: { test: true } });

    const status = await run(['siem', 'status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)[0]).toMatchObject({ name: 'splunk', lagEvents: 0, failing: false });
  }, 60_000);

  it('test reports a refusal with the collector\'s words and exits 1; the token never shows', async () => {
    const r = await run(['siem', 'add', 'wrong', '--type', 'splunk-hec', '--url', hec.url, '--ca-file', pki.caFile, '--token-env', 'WRONG_TOKEN'], {
      env: { WRONG_TOKEN: `${TOKEN}-but-wrong` },
    });
    expect(r.code).toBe(0);
    const t = await run(['siem', 'test', 'wrong']);
    expect(t.code).toBe(1);
    expect(t.out).toMatch(/FAILED after \d+ ms: HTTP 403: Invalid token \(code 4\)/);
  }, 60_000);

  it('bad flags exit 2 with a message naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['siem', 'add', 'x', '--type', 'splunk-hec', '--url', hec.url], /needs its token: --token-env VAR or --token-stdin/],
      [['siem', 'add', 'x', '--type', 'syslog', '--host', 'h', '--url', 'https://a'], /--url does not apply to --type syslog/],
      [['siem', 'add', 'x', '--type', 'kafka'], /Allowed choices are splunk-hec, elastic, syslog, webhook/],
      [['siem', 'add', 'x', '--type', 'webhook', '--url', 'https://a.example', '--secret-env', 'UNSET_VAR_FOR_TEST'], /UNSET_VAR_FOR_TEST .* is not set/],
      [['siem', 'add', 'x', '--type', 'syslog', '--host', 'h', '--port', '99999'], /not a TCP port/],
      [['siem', 'add', 'splunk', '--type', 'splunk-hec', '--url', hec.url, '--token-env', 'T'], /already exists: pass --replace/],
      [['siem', 'test', 'nope'], /no SIEM destination named "nope"/],
    ];
    for (const [args, msg] of cases) {
      const r = await run(args, { env: { T: TOKEN } });
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(msg);
    }
  }, 90_000);

  it('disable, enable and remove (credentials go with it)', async () => {
    expect((await run(['siem', 'disable', 'wrong'])).code).toBe(0);
    expect((await run(['siem', 'list'])).out).toMatch(/○ wrong .*\(disabled\)/);
    expect((await run(['siem', 'enable', 'wrong'])).code).toBe(0);
    expect((await run(['siem', 'remove', 'wrong'])).code).toBe(0);
    expect(JSON.parse(readFileSync(belayPaths().siemSecrets, 'utf8')).wrong).toBeUndefined();
  }, 60_000);
});
