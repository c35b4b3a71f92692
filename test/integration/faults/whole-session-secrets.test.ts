import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../helpers/guard-e2e-cli.js';
import { autoApprove, startTestBelay, type TestBelay } from '../../helpers/engine.js';
import { BIN, belayIn } from '../../helpers/bench-serve.js';
import { startFakeProvider, type FakeProvider } from '../../helpers/fake-provider.js';
import { WebhookReceiver } from '../../helpers/siem-receivers.js';
import { issueServerCert, makeTestCa, PROVIDER_HOSTS } from '../../helpers/tls.js';

// A whole session with credentials and secrets planted everywhere a copilot puts them:
// LLM calls through the proxy (headers, query, prompt), an MCP server over stdio through
// `belay mcp-wrap` (tool arguments and tool results), the log exported in every format,
// and the log forwarded to a SIEM webhook. Then every byte Belay wrote — the data folder
// (database, WAL, settings, anything), the export files and what the SIEM received — is
// searched for each planted value. None may be found.
const PLANTED = {
  bearer: `sk-proj-SessionBearerPlanted${'K'.repeat(40)}`,
  xApiKey: `sk-ant-api03-SessionXApiKeyPlanted${'m'.repeat(73)}AA`,
  queryKey: 'AIzaSessionQueryKeyPlanted123456789',
  cookie: 'SessionCookiePlantedValue5e4d3c2b1a',
  promptAws: 'AKIASESSIONPLANTED23',
  promptGithub: 'ghp_SessionPromptGithubPlanted0123456789',
  toolArgToken: `github_pat_SessionToolArg_${'a1B2'.repeat(16)}xyz`,
  toolResultKey: `sk-proj-SessionToolResultPlanted${'T'.repeat(40)}`,
  privateKeyBody: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQSessionPrivateKeyPlanted9f8e7d',
};
/** A distinctive part of each value that no redaction marker (nor any real key: PEM bodies share their first bytes) could contain. */
const needles = Object.entries(PLANTED).map(([name, value]) => ({ name, core: value.includes('Session') ? value.slice(value.indexOf('Session'), value.indexOf('Session') + 22) : value.slice(-16) }));

// An MCP server over stdio that echoes a tool's arguments back and, for "get_key", answers
// with a planted key in its result (a secret coming back from a tool).
const ECHO_SERVER = `
let buf = '';
process.stdin.on('data', (c) => {
  buf += c;
  let nl;
  while ((nl = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
    const m = JSON.parse(line);
    if (m.id === undefined) continue;
    let result;
    if (m.method === 'initialize') result = { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'echo', version: '1' } };
    else if (m.method === 'tools/list') result = { tools: [{ name: 'get_key', description: 'Returns the deploy key.', inputSchema: { type: 'object' } }, { name: 'echo', description: 'Echoes text.', inputSchema: { type: 'object' } }] };
    else if (m.params && m.params.name === 'get_key') result = { content: [{ type: 'text', text: 'key: ${PLANTED.toolResultKey}\\n-----BEGIN PRIVATE KEY-----\\n${PLANTED.privateKeyBody}\\n-----END PRIVATE KEY-----' }] };
    else result = { content: [{ type: 'text', text: JSON.stringify(m.params) }] };
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }) + '\\n');
  }
});`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function leaks(bytes: Buffer): string[] {
  return needles.filter((n) => bytes.includes(Buffer.from(n.core)) || bytes.includes(Buffer.from(n.core, 'utf16le'))).map((n) => n.name);
}

describe('a whole session leaves no planted secret in anything Belay wrote', () => {
  let provider: FakeProvider;
  let belay: TestBelay;
  let hook: WebhookReceiver;
  let approvals: ReturnType<typeof autoApprove>;
  const exportDir = mkdtempSync(path.join(os.tmpdir(), 'belay-session-exports-'));

  beforeAll(async () => {
    await buildCli();
    const ca = makeTestCa();
    provider = await startFakeProvider({ cert: issueServerCert(ca, PROVIDER_HOSTS) });
    hook = await new WebhookReceiver('session-hmac-secret').start();
    const home = mkdtempSync(path.join(os.tmpdir(), 'belay-session-'));
    const add = await belayIn(home, ['siem', 'add', 'hook', '--type', 'webhook', '--url', `${hook.url}/ingest`, '--secret-env', 'HOOK_SECRET', '--from-start', '--batch-delay-ms', '50'], { env: { HOOK_SECRET: 'session-hmac-secret' } });
    expect(add.code, add.stderr).toBe(0);
    writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ proxy: { extraCaFiles: [ca.certFile] }, audit: { storeBodies: true } }));
    belay = await startTestBelay({ home });
    approvals = autoApprove(belay, 'allow');
  }, 240_000);

  afterAll(async () => {
    approvals?.stop();
    await belay?.stop();
    await provider?.close();
    await hook?.stop?.();
    rmSync(exportDir, { recursive: true, force: true });
    if (belay) rmSync(belay.home, { recursive: true, force: true });
  });

  it('proxy, stdio relay, exports and SIEM: no planted value anywhere', async () => {
    const origin = `https://127.0.0.1:${provider.port}`;
    const json = { 'content-type': 'application/json' };
    // LLM calls through the proxy.
    const chat = await belay.fetch(`${origin}/v1/chat/completions?key=${PLANTED.queryKey}`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${PLANTED.bearer}`, cookie: `sid=${PLANTED.cookie}` },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `deploy with ${PLANTED.promptAws} and ${PLANTED.promptGithub}` }] }),
    });
    await chat.text();
    const anthropic = await belay.fetch(`${origin}/v1/messages`, {
      method: 'POST',
      headers: { ...json, 'x-api-key': PLANTED.xApiKey, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await anthropic.text();

    // An MCP server over stdio through `belay mcp-wrap`, approvals answered by the running Belay.
    const wrap = spawn(process.execPath, [BIN, 'mcp-wrap', '--server', 'echo', '--client', 'claude-desktop', '--', process.execPath, '-e', ECHO_SERVER], {
      env: { ...process.env, BELAY_HOME: belay.home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    wrap.stdout.on('data', (c: Buffer) => (out += c.toString()));
    wrap.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const send = (m: unknown) => wrap.stdin.write(`${JSON.stringify(m)}\n`);
    const answered = async (id: number) => {
      const deadline = Date.now() + 30_000;
      while (!out.split('\n').some((l) => l.includes(`"id":${id}`))) {
        if (Date.now() > deadline) throw new Error(`no answer to ${id}: ${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
    await answered(1);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await answered(2);
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: `push with ${PLANTED.toolArgToken}` } } });
    await answered(3);
    send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'get_key', arguments: {} } });
    await answered(4);
    wrap.stdin.end();
    await new Promise((r) => wrap.on('close', r));

    await belay.waitForEvents((e) => e.type === 'mcp.tool_call' && e.transport === 'stdio', { count: 2, timeoutMs: 20_000 });
    await belay.waitForEvents((e) => e.transport === 'proxy', { count: 2 });

    // Exports in every format, through the CLI.
    for (const format of ['jsonl', 'csv', 'ocsf', 'cef']) {
      const r = await belayIn(belay.home, ['log', 'export', '--format', format, '--out', path.join(exportDir, `session.${format}`)]);
      expect(r.code, r.stderr).toBe(0);
    }
    // The SIEM webhook received the session.
    const total = belay.events().length;
    const deadline = Date.now() + 30_000;
    while (hook.lines.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const status = await belayIn(belay.home, ["siem", "status"]);
    expect(hook.lines.length, `${status.stdout}${status.stderr} requests=${hook.requests.length} bad=${hook.badSignatures}`).toBeGreaterThanOrEqual(total);

    belay.audit.flush();
    const found: string[] = [];
    for (const file of [...filesUnder(belay.home), ...filesUnder(exportDir)]) {
      for (const name of leaks(readFileSync(file))) found.push(`${path.basename(file)}: ${name}`);
    }
    for (const name of leaks(Buffer.from(hook.requests.map((r) => r.body).join('\n')))) found.push(`SIEM webhook: ${name}`);
    expect(found).toEqual([]);
    // The scan can find things: the planted values did pass through (the client got the tool result).
    expect(out).toContain(PLANTED.toolResultKey);
  }, 180_000);
});
