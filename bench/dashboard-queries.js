#!/usr/bin/env node
// Query time of the dashboard's main views over a large audit log: the traffic list
// (auditEventsService(...).query({ limit: 200 }) as GET /api/events runs it), with SQL
// filters and with row filters (provider/risk: a bounded scan), the next page, and the
// usage view (usageFromDatabase(db).usage(30)), on its first view and after. The log is filled through AuditLog with
// events spread over 30 days. `node bench/dashboard-queries.js [--events N] [--json]`.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { round, summary } from './lib/stats.js';

const dist = (p) => new URL(`../dist/core/${p}`, import.meta.url).href;

const CLIENTS = ['cursor', 'claude-code', 'claude-desktop', 'vscode', 'windsurf'];
const MODELS = [['openai', 'gpt-4o'], ['openai', 'gpt-4o-mini'], ['anthropic', 'claude-sonnet-4'], ['google', 'gemini-2.5-pro']];

function event(i, startedAt) {
  const client = CLIENTS[i % CLIENTS.length];
  switch (i % 4) {
    case 0:
    case 1: {
      const [provider, model] = MODELS[(i >> 2) % MODELS.length];
      return {
        type: 'llm.request', protocol: 'llm', transport: 'proxy', client, provider, model, startedAt,
        method: 'POST', host: `api.${provider}.com`, path: '/v1/chat/completions', status: 200, latencyMs: 200 + (i % 900),
        bytesIn: 1800, bytesOut: 5200, decision: 'allow', decidedBy: 'default', session: `s-${i % 400}`,
        data: { usage: { inputTokens: 1000 + (i % 500), outputTokens: 80 + (i % 40) }, ...(model === 'gemini-2.5-pro' ? {} : { costUsd: 0.001 * (1 + (i % 7)) }), stream: i % 3 === 0 },
      };
    }
    case 2:
      return {
        type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client, server: i % 3 ? 'filesystem' : 'github', startedAt,
        tool: i % 5 ? 'read_file' : 'write_file', method: 'tools/call', decision: i % 50 ? 'allow' : 'ask', decidedBy: i % 50 ? 'policy' : 'human',
        risk: i % 50 ? 'none' : 'high', latencyMs: 4, data: { arguments: { path: `/home/dev/project/src/file-${i % 5000}.ts` } },
      };
    default:
      return { type: 'http', protocol: 'http', transport: 'proxy', client, startedAt, method: 'GET', host: 'registry.npmjs.org', path: `/pkg-${i % 1000}`, status: 200, latencyMs: 12, decision: 'allow', data: {} };
  }
}

function time(fn, repeats, { warm = true } = {}) {
  if (warm) fn(); // first call prepares statements and warms the page cache
  const ms = [];
  let rows = 0;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const out = fn();
    ms.push(performance.now() - t0);
    rows = Array.isArray(out) ? out.length : out.rows.length;
  }
  const s = summary(ms);
  return { p50Ms: s.p50, p99Ms: s.p99, rows };
}

export async function benchDashboardQueries({ events = 1_000_000, repeats = 20 } = {}) {
  const { AuditLog } = await import(dist('audit/audit-log.js'));
  const { auditEventsService } = await import(dist('control/audit-events.js'));
  const { usageFromDatabase } = await import(dist('control/usage.js'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-bench-queries-'));
  const file = path.join(dir, 'belay.db');
  try {
    const log = AuditLog.open(file);
    const now = Date.now();
    const span = 30 * 86_400_000;
    const f0 = performance.now();
    for (let i = 0; i < events; ) {
      const burst = Math.min(2000, events - i);
      for (let j = 0; j < burst; j++, i++) log.append(event(i, now - span + Math.floor((i / events) * span)));
      await new Promise((r) => setImmediate(r));
    }
    log.flush();
    const fillMs = performance.now() - f0;
    const svc = auditEventsService(log);
    const usage = usageFromDatabase(log.db);
    const newest = svc.query({ limit: 200 });
    const views = {
      'traffic list, newest 200': time(() => svc.query({ limit: 200 }), repeats),
      'next page (beforeSeq)': time(() => svc.query({ limit: 200, beforeSeq: newest[newest.length - 1].seq }), repeats),
      'filter client=cursor': time(() => svc.query({ limit: 200, client: 'cursor' }), repeats),
      'filter type=mcp.tool_call': time(() => svc.query({ limit: 200, type: 'mcp.tool_call' }), repeats),
      'filter decision=ask (rare)': time(() => svc.query({ limit: 200, decision: 'ask' }), repeats),
      'filter text "write_file"': time(() => svc.query({ limit: 200, text: 'write_file' }), repeats),
      'filter provider=anthropic (row filter)': time(() => svc.query({ limit: 200, provider: 'anthropic' }), repeats),
      'filter risk=high (row filter, rare)': time(() => svc.query({ limit: 200, risk: 'high' }), repeats),
      'last 24 h (since)': time(() => svc.query({ limit: 200, since: new Date(now - 86_400_000).toISOString() }), repeats),
      'status counter': time(() => [svc.stats()], repeats),
      // The first view sums every past day once and keeps it (core/audit/usage-days.ts);
      // later views read the kept days and sum only the last one or two from the events.
      'usage, 30 days, first view': time(() => usage.usage(30), 1, { warm: false }),
      'usage, 30 days': time(() => usage.usage(30), Math.max(3, Math.round(repeats / 4))),
    };
    log.close();
    return { events, fillMs: Math.round(fillMs), fillEventsPerSec: Math.round(events / (fillMs / 1000)), dbMB: round(statSync(file).size / 1e6, 1), views };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--events');
  const result = await benchDashboardQueries({ events: at > 0 ? Number(process.argv[at + 1]) : 1_000_000 });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
