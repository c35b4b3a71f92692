import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StreamMessage } from '../../../shared/api.js';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { ControlApiError, connectControl } from '../../../core/control/client.js';
import { startControlServer, type ControlServer } from '../../../core/control/server.js';
import { belayPaths } from '../../../core/paths.js';
import { makeTestServices } from '../../helpers/control-services.js';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP request with full control over headers (fetch would not let us forge Host). */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const paths = belayPaths();
let control: ControlServer;
let ctx: ReturnType<typeof makeTestServices>;
const staticDir = path.join(paths.home, 'static-test');

beforeEach(async () => {
  ctx = makeTestServices(paths);
  mkdirSync(staticDir, { recursive: true });
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Belay</title>');
  control = await startControlServer(ctx.services, { paths, staticDir, log: () => {} });
});

afterEach(async () => {
  await control.close();
  ctx.log.close();
});

const auth = () => ({ Authorization: `Bearer ${control.token}` });

describe('control API: who may call', () => {
  it('writes control.json with port, token and pid, readable by the user only', () => {
    const st = statSync(paths.control);
    expect(st.mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(paths.control, 'utf8'));
    expect(file).toMatchObject({ port: control.port, token: control.token, pid: process.pid });
    expect(control.url).toBe(`http://127.0.0.1:${control.port}`);
  });

  it('refuses /api without a token (401) and with a wrong token (401)', async () => {
    const none = await raw(`${control.url}/api/status`);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error).toMatch(/Missing control token/);
    const wrong = await raw(`${control.url}/api/status`, { headers: { Authorization: `Bearer ${control.token.slice(0, -2)}xx` } });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error).toMatch(/Wrong control token/);
    const ok = await raw(`${control.url}/api/status`, { headers: auth() });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ running: true, state: 'guarding', pendingApprovals: 0 });
  });

  it('refuses a foreign Origin (403) even with the right token', async () => {
    const r = await raw(`${control.url}/api/status`, { headers: { ...auth(), Origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    const own = await raw(`${control.url}/api/status`, { headers: { ...auth(), Origin: control.url } });
    expect(own.status).toBe(200);
    const nullOrigin = await raw(`${control.url}/api/status`, { headers: { ...auth(), Origin: 'null' } });
    expect(nullOrigin.status).toBe(403);
  });

  it('refuses a foreign Host (DNS rebinding) with 403, for the API and the page', async () => {
    const api = await raw(`${control.url}/api/status`, { headers: { ...auth(), Host: `evil.example:${control.port}` } });
    expect(api.status).toBe(403);
    const page = await raw(`${control.url}/`, { headers: { Host: `rebind.attacker.test:${control.port}` } });
    expect(page.status).toBe(403);
    const wrongPort = await raw(`${control.url}/api/status`, { headers: { ...auth(), Host: '127.0.0.1:1' } });
    expect(wrongPort.status).toBe(403);
    const localhost = await raw(`${control.url}/api/status`, { headers: { ...auth(), Host: `localhost:${control.port}` } });
    expect(localhost.status).toBe(200);
  });

  it('refuses CSRF-style form posts (415) and cross-site fetch metadata (403)', async () => {
    ctx.pause.resume();
    const form = await raw(`${control.url}/api/pause`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'minutes=5',
    });
    expect(form.status).toBe(415);
    const text = await raw(`${control.url}/api/pause`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);
    expect(ctx.pause.state().paused).toBe(false);
    const crossSite = await raw(`${control.url}/api/status`, { headers: { ...auth(), 'Sec-Fetch-Site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
  });

  it('answers bad JSON with 400, oversized bodies with 413, bad fields with 400 naming them', async () => {
    const bad = await raw(`${control.url}/api/pause`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: '{"minutes":' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/not valid JSON/);
    const big = await raw(`${control.url}/api/policy/validate`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    const field = await raw(`${control.url}/api/pause`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: '{"minutes":"soon"}' });
    expect(field.status).toBe(400);
    expect(JSON.parse(field.body).error).toMatch(/minutes/);
    expect(ctx.pause.state().paused).toBe(false);
    const q = await raw(`${control.url}/api/events?decision=maybe`, { headers: auth() });
    expect(q.status).toBe(400);
    expect(JSON.parse(q.body).error).toMatch(/decision/);
  });

  it('serves the page with a strict CSP and no framing, and never a file outside the dashboard folder', async () => {
    const page = await raw(`${control.url}/`);
    expect(page.status).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    for (const p of ['/%2e%2e/control.json', '/..%2fcontrol.json', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd']) {
      const r = await raw(`${control.url}${p}`);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain(control.token);
    }
  });

  it('answers 501 with a clear message when a service is absent, and 404 for unknown routes', async () => {
    const r = await raw(`${control.url}/api/inventory`, { headers: auth() });
    expect(r.status).toBe(501);
    expect(JSON.parse(r.body).error).toMatch(/inventory is not available/);
    const nf = await raw(`${control.url}/api/nope`, { headers: auth() });
    expect(nf.status).toBe(404);
  });

  it('removes control.json on close', async () => {
    await control.close();
    expect(() => statSync(paths.control)).toThrow();
  });
});

describe('control API: events, live stream and approvals through the typed client', () => {
  it('connectControl finds the running Belay, and gives undefined for a stale control.json', async () => {
    const client = await connectControl(paths);
    expect(client).toBeDefined();
    expect((await client!.status()).pid).toBe(process.pid);
    const staleDir = path.join(paths.home, 'stale');
    const stale = belayPaths(staleDir);
    mkdirSync(staleDir, { recursive: true });
    expect(await connectControl(stale)).toBeUndefined();
    // A pid that exists (ours) but a port with nobody answering the token.
    writeFileSync(stale.control, JSON.stringify({ port: 1, token: 'x', pid: process.pid }), { mode: 0o600 });
    expect(await connectControl(stale)).toBeUndefined();
  });

  it('lists events with filters and pages back by seq', async () => {
    for (let i = 0; i < 5; i++) ctx.log.append({ type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: i % 2 ? 'cursor' : 'claude-code', server: 'fs', tool: `t${i}` });
    ctx.log.flush();
    const client = (await connectControl(paths))!;
    const all = await client.events({ limit: 2 });
    expect(all.events.map((e) => e.tool)).toEqual(['t4', 't3']);
    expect(all.nextBeforeSeq).toBe(all.events[1].seq);
    const older = await client.events({ limit: 2, beforeSeq: all.nextBeforeSeq });
    expect(older.events.map((e) => e.tool)).toEqual(['t2', 't1']);
    const cursor = await client.events({ client: 'cursor' });
    expect(cursor.events.map((e) => e.tool)).toEqual(['t3', 't1']);
    const byServer = await client.events({ server: 'fs', limit: 3 });
    expect(byServer.events).toHaveLength(3);
    const one = await client.event(all.events[0].id);
    expect(one.tool).toBe('t4');
  });

  it('streams an event appended by another connection to the same database (as mcp-wrap would)', async () => {
    const client = (await connectControl(paths))!;
    const other = AuditLog.open(paths.database, { batchMs: 5 });
    const abort = new AbortController();
    const got: StreamMessage[] = [];
    const seen = new Promise<StreamMessage>((resolve) => {
      void client.stream((m) => {
        got.push(m);
        if (m.type === 'hello') {
          other.append({ type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: 'claude-desktop', server: 'github', tool: 'create_issue' });
          other.flush();
        }
        if (m.type === 'event') resolve(m);
      }, abort.signal);
    });
    const m = await seen;
    abort.abort();
    other.close();
    expect(got[0].type).toBe('hello');
    expect(m.type === 'event' && m.event.tool).toBe('create_issue');
    expect(m.type === 'event' && m.event.seq).toBeGreaterThan(0);
  });

  it('replays missed events to a client that reconnects with Last-Event-ID', async () => {
    const client = (await connectControl(paths))!;
    // Keep one subscriber on so the hub cursor advances past the new events.
    const keep = new AbortController();
    const firstHello = new Promise<void>((r) => void client.stream((m) => m.type === 'hello' && r(), keep.signal));
    await firstHello;
    for (let i = 0; i < 3; i++) ctx.log.append({ type: 'http', protocol: 'http', transport: 'proxy', client: 'curl', host: `h${i}.example` });
    ctx.log.flush();
    await new Promise((r) => setTimeout(r, 300));
    const head = (await client.events({ limit: 1 })).events[0].seq;
    const abort = new AbortController();
    const replayed: number[] = [];
    await new Promise<void>((resolve) => {
      void client.stream(
        (m) => {
          if (m.type === 'event') replayed.push(m.event.seq);
          if (replayed.length === 2) resolve();
        },
        abort.signal,
        head - 2,
      );
    });
    abort.abort();
    keep.abort();
    expect(replayed).toEqual([head - 1, head]);
  });

  it('holds an ask until it is decided, and streams the approval and status changes', async () => {
    const client = (await connectControl(paths))!;
    const abort = new AbortController();
    const messages: StreamMessage[] = [];
    const decided = new Promise<void>((resolve) => {
      void client.stream((m) => {
        messages.push(m);
        if (m.type === 'approval' && m.change === 'decided') resolve();
      }, abort.signal);
    });
    await new Promise((r) => setTimeout(r, 100));
    const outcome = client.ask({
      subject: { kind: 'mcp.tool_call', client: 'claude-code', transport: 'stdio', server: 'shell', tool: 'run', arguments: { command: 'rm -rf /' } },
      findings: [{ detector: 'destructive-command', severity: 'critical', message: 'Deletes everything', evidence: 'rm -rf /' }],
      risk: 'critical',
    });
    let pending = await client.approvals();
    for (let i = 0; i < 50 && pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      pending = await client.approvals();
    }
    expect(pending).toHaveLength(1);
    expect((await client.status()).state).toBe('attention');
    expect(await client.decide(pending[0].id, { decision: 'allow', remember: 'once' })).toBe(true);
    const o = await outcome;
    expect(o).toMatchObject({ allowed: true, decidedBy: 'human', approvalId: pending[0].id });
    await decided;
    abort.abort();
    expect(messages.some((m) => m.type === 'approval' && m.change === 'added')).toBe(true);
    await expect(client.decide(pending[0].id, { decision: 'deny' })).rejects.toMatchObject({ status: 409 });
    await expect(client.decide(pending[0].id, { decision: 'deny' })).rejects.toBeInstanceOf(ControlApiError);
  });

  it('pauses and resumes, and exports the log as JSON Lines', async () => {
    const client = (await connectControl(paths))!;
    expect((await client.pause(5)).paused).toBe(true);
    expect((await client.status()).state).toBe('paused');
    expect((await client.resume()).paused).toBe(false);
    ctx.log.append({ type: 'http', protocol: 'http', transport: 'proxy', client: 'curl', host: 'a.example' });
    ctx.log.flush();
    const r = await raw(`${control.url}/api/export?format=jsonl`, { headers: auth() });
    expect(r.status).toBe(200);
    expect(r.headers['content-disposition']).toMatch(/attachment; filename="belay-audit-/);
    const lines = r.body.trim().split('\n').map((l) => JSON.parse(l));
    // ECS documents, then the chain head (the same exporter as `belay log export`).
    expect(lines.at(-2).url.domain).toBe('a.example');
    expect(lines.at(-1).belay.chain.head.seq).toBeGreaterThan(0);
    const cef = await raw(`${control.url}/api/export?format=cef`, { headers: auth() });
    expect(cef.status).toBe(200);
    expect(cef.body).toMatch(/^CEF:0\|Belay\|Belay\|/m);
    const bad = await raw(`${control.url}/api/export?format=xml`, { headers: auth() });
    expect(bad.status).toBe(400);
  });
});
