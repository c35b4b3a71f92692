import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ProxyAgent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../helpers/guard-e2e-cli.js';
import { belayIn, makeHome, startServe } from '../../helpers/bench-serve.js';
import { startFakeProvider, type FakeProvider } from '../../helpers/fake-provider.js';
import { issueServerCert, makeTestCa, PROVIDER_HOSTS } from '../../helpers/tls.js';

// kill -9 of `belay serve` in the middle of heavy traffic. The audit log commits in
// batches (at most ~50 ms apart), so a crash may lose the last batch; everything older
// must be there, the chain must verify, the database must open and nothing half-written
// may remain. A client config protected before the crash stays protected and restorable.
const MARGIN_MS = 1000;

describe('kill -9 during heavy traffic', () => {
  let provider: FakeProvider;
  let home: string;
  let caFile: string;
  const claudeConfig = path.join(os.homedir(), '.config', 'Claude', 'claude_desktop_config.json');
  const originalConfig = `${JSON.stringify({ mcpServers: { files: { command: 'node', args: ['server.js', '/tmp'] } } }, null, 2)}\n`;

  beforeAll(async () => {
    await buildCli();
    const ca = makeTestCa();
    caFile = ca.certFile;
    provider = await startFakeProvider({ cert: issueServerCert(ca, PROVIDER_HOSTS) });
    home = makeHome({ settings: { proxy: { extraCaFiles: [caFile] } } });
    mkdirSync(path.dirname(claudeConfig), { recursive: true });
    writeFileSync(claudeConfig, originalConfig);
  }, 240_000);

  afterAll(async () => {
    await provider?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('keeps every event acknowledged before the crash, verifies, reopens, and leaves configs restorable', async () => {
    const protect = await belayIn(home, ['clients', 'protect', 'claude-desktop']);
    expect(protect.code, protect.stderr).toBe(0);
    expect(readFileSync(claudeConfig, 'utf8')).toContain('mcp-wrap');

    const serve = await startServe(home);
    const ca = readFileSync(path.join(home, 'ca.pem'), 'utf8');
    const agent = new ProxyAgent({ uri: `http://127.0.0.1:${serve.port}`, requestTls: { ca } });
    const completedAt = new Map<string, number>();
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const id = `r${next++}`;
        try {
          const res = await request(`https://127.0.0.1:${provider.port}/kill9/${id}`, { dispatcher: agent });
          await res.body.text();
          if (res.statusCode === 200) completedAt.set(`/kill9/${id}`, Date.now());
        } catch {
          // Expected once the proxy is killed.
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    const deadline = Date.now() + 60_000;
    // Heavy traffic for long enough that hundreds of answers are older than MARGIN_MS at the
    // kill (a fast proxy can otherwise give all 600 within the last second).
    const settledBy = (now: number) => [...completedAt.values()].filter((at) => at <= now - MARGIN_MS).length;
    while ((completedAt.size < 600 || settledBy(Date.now()) < 300) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(completedAt.size).toBeGreaterThanOrEqual(600);

    const killedAt = Date.now();
    serve.child.kill('SIGKILL');
    const exit = await serve.exited;
    stop = true;
    await Promise.all(workers);
    await agent.close();
    expect(exit.signal).toBe('SIGKILL');

    // The database opens and recovers (WAL) when Belay starts again on the same folder.
    const again = await startServe(home);
    const stopped = await again.stop();
    expect(stopped.code, again.stderr()).toBe(0);

    const db = new Database(path.join(home, 'belay.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const logged = new Set((db.prepare("SELECT path FROM events WHERE path LIKE '/kill9/%'").all() as { path: string }[]).map((r) => r.path));
      const settled = [...completedAt].filter(([, at]) => at <= killedAt - MARGIN_MS).map(([p]) => p);
      expect(settled.length).toBeGreaterThan(100);
      const missing = settled.filter((p) => !logged.has(p));
      expect(missing, `${missing.length} of ${settled.length} requests answered over ${MARGIN_MS} ms before the kill are not in the log`).toEqual([]);
      // Events are never invented: everything logged was a request the provider saw.
      const seen = new Set(provider.requests.map((r) => r.path));
      for (const p of logged) expect(seen.has(p)).toBe(true);
    } finally {
      db.close();
    }

    const verify = await belayIn(home, ['log', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    // No half-written files: nothing but Belay's own files (no temp or journal files left over).
    const leftovers = readdirSync(home).filter((f) => /\.tmp|journal|\.partial/i.test(f));
    expect(leftovers).toEqual([]);

    // The client config protected before the crash is still protected, and restorable.
    expect(readFileSync(claudeConfig, 'utf8')).toContain('mcp-wrap');
    const unprotect = await belayIn(home, ['clients', 'unprotect', 'claude-desktop']);
    expect(unprotect.code, unprotect.stderr).toBe(0);
    expect(readFileSync(claudeConfig, 'utf8')).toBe(originalConfig);
  }, 180_000);
});
