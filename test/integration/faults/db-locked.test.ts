import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ProxyAgent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../helpers/guard-e2e-cli.js';
import { makeHome, ROOT, startServe, type ServeChild } from '../../helpers/bench-serve.js';
import { startFakeProvider, type FakeProvider } from '../../helpers/fake-provider.js';
import { issueServerCert, makeTestCa, PROVIDER_HOSTS } from '../../helpers/tls.js';

// Another process holds the audit database's write lock for longer than the busy timeout
// (5 s). Belay must say so, keep serving without stalling (a write waits for the lock at
// most 250 ms), keep the events queued and write them all once the lock is gone; an
// `ask` is still refused unless a human allows it (fail closed).
const POLICY = `version: 1
rules:
  - name: ask-every-model-tool-call
    match: { kind: llm.tool_use }
    action: ask
    reason: test policy
defaults:
  "*": allow
`;

function holdWriteLock(dbFile: string, ms: number): Promise<{ child: ChildProcess; released: Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    db.prepare("UPDATE events SET client = client WHERE seq = (SELECT max(seq) FROM events)").run();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, dbFile, String(ms)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const released = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('locked')) resolve({ child, released });
    });
    child.once('error', reject);
  });
}

describe('audit database locked by another process', () => {
  let provider: FakeProvider;
  let serve: ServeChild;
  let agent: ProxyAgent;

  beforeAll(async () => {
    await buildCli();
    const ca = makeTestCa();
    provider = await startFakeProvider({ cert: issueServerCert(ca, PROVIDER_HOSTS) });
    const home = makeHome({ settings: { proxy: { extraCaFiles: [ca.certFile] }, approvals: { timeoutSeconds: 5 } }, policy: POLICY });
    serve = await startServe(home);
    agent = new ProxyAgent({ uri: `http://127.0.0.1:${serve.port}`, requestTls: { ca: readFileSync(path.join(home, 'ca.pem'), 'utf8') } });
  }, 240_000);

  afterAll(async () => {
    await agent?.close();
    await serve?.stop();
    await provider?.close();
    if (serve) rmSync(serve.home, { recursive: true, force: true });
  });

  it('keeps serving, says the log is locked, loses no event, and still refuses an unanswered ask', async () => {
    const dbFile = path.join(serve.home, 'belay.db');
    const warm = await request(`https://127.0.0.1:${provider.port}/locked/warm`, { dispatcher: agent });
    await warm.body.text();
    const lock = await holdWriteLock(dbFile, 12_000);

    // Plain traffic keeps flowing while nothing can be written. Every write on Belay's event
    // loop (audit commits, the anomaly monitor's state) waits for the lock at most 250 ms
    // (SECURITY.md): no request is held for the 5 s busy timeout, as requests were (12 s)
    // when those writers waited that long. Spread over two seconds, so the anomaly
    // monitor's once-a-second write falls among them.
    let slowest = 0;
    for (let i = 0; i < 10; i++) {
      const t0 = Date.now();
      const res = await request(`https://127.0.0.1:${provider.port}/locked/${i}`, { dispatcher: agent });
      const text = await res.body.text();
      expect(res.statusCode, `${i}: ${text}`).toBe(200);
      slowest = Math.max(slowest, Date.now() - t0);
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(slowest).toBeLessThan(2500);
    // An ask nobody answers is refused after the approval timeout, lock or not: the model's
    // tool call never reaches the client.
    const asked = await request(`https://127.0.0.1:${provider.port}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'weather?' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] }),
    });
    const askedBody = await asked.body.text();
    expect(asked.statusCode).toBeGreaterThanOrEqual(400);
    expect(askedBody).not.toContain('"tool_calls"');

    await lock.released;
    // Retries back off up to 5 s, each waiting out the busy timeout: allow a generous minute.
    const deadline = Date.now() + 60_000;
    let logged = 0;
    while (Date.now() < deadline) {
      const db = new Database(dbFile, { readonly: true });
      logged = (db.prepare("SELECT count(*) AS n FROM events WHERE path LIKE '/locked/%' AND path != '/locked/warm'").get() as { n: number }).n;
      const llm = (db.prepare("SELECT count(*) AS n FROM events WHERE type = 'llm.tool_use'").get() as { n: number }).n;
      db.close();
      if (logged === 10 && llm > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(logged).toBe(10);
    const db = new Database(dbFile, { readonly: true });
    const toolUse = db.prepare("SELECT decision, decided_by AS decidedBy FROM events WHERE type = 'llm.tool_use'").all();
    db.close();
    expect(toolUse).toContainEqual({ decision: 'ask', decidedBy: 'timeout' });
    expect(askedBody).toContain('Blocked by Belay');
    expect(serve.stderr()).toMatch(/audit log write failed \(\d+ events waiting, will retry\).*locked/);
  }, 120_000);

  // When the first of two parallel tool calls is refused, the second is never judged nor
  // delivered: the log must not claim a refused answer's tool call was allowed.
  it('a tool call cut off by a refusal is not logged as allowed', async () => {
    const res = await request(`https://127.0.0.1:${provider.port}/v1/chat/completions?second`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'weather twice?' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] }),
    });
    await res.body.text();
    expect(res.statusCode).toBe(403);
    const dbFile = path.join(serve.home, 'belay.db');
    let rows: { decision: string }[] = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const db = new Database(dbFile, { readonly: true });
      rows = db.prepare("SELECT e.decision FROM events e JOIN events r ON r.path = '/v1/chat/completions?second' AND e.type = 'llm.tool_use' AND e.seq > r.seq").all() as { decision: string }[];
      db.close();
    }
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.decision)).not.toContain('allow');
  }, 60_000);
});
