#!/usr/bin/env node
// Audit log speed: insert rate (events/s through AuditLog.append, batched, with the hash
// chain and the credential scrub), the per-call cost of append() (what the proxy pays),
// chain verification, and export speed per format. Runs on the compiled code:
// `npx tsc -b` first, then `node bench/audit.js [--events N] [--json]` (default 1 000 000).
// Exported as benchAudit() so bench/run.js can include it in `npm run bench`.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const dist = new URL('../dist/core/audit/', import.meta.url);

function event(i) {
  switch (i % 3) {
    case 0:
      return {
        type: 'llm.request', protocol: 'llm', transport: 'proxy', client: 'cursor', provider: 'openai', model: 'gpt-4o',
        method: 'POST', host: 'api.openai.com', path: '/v1/chat/completions', status: 200, latencyMs: 100 + (i % 900),
        bytesIn: 1800, bytesOut: 5200, session: `s-${i % 50}`,
        data: { usage: { inputTokens: 1000 + (i % 500), outputTokens: 80 }, stream: true, toolCalls: [{ name: 'read_file' }] },
      };
    case 1:
      return {
        type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: 'claude-desktop', server: 'filesystem',
        tool: 'read_file', method: 'tools/call', decision: 'allow', decidedBy: 'policy', latencyMs: 4,
        data: { arguments: { path: `/home/dev/project/src/file-${i}.ts` } },
      };
    default:
      return { type: 'http', protocol: 'http', transport: 'proxy', client: 'curl', method: 'GET', host: 'example.com', path: `/page/${i}`, status: 200, latencyMs: 12, data: {} };
  }
}

class NullSink extends Writable {
  bytes = 0;
  _write(chunk, _enc, cb) {
    this.bytes += chunk.length;
    cb();
  }
}

export async function benchAudit({ events = 1_000_000 } = {}) {
  const { AuditLog } = await import(new URL('audit-log.js', dist).href);
  const { verifyChain } = await import(new URL('verify.js', dist).href);
  const { exportEvents, EXPORT_FORMATS } = await import(new URL('export/index.js', dist).href);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-bench-audit-'));
  const file = path.join(dir, 'bench.db');
  try {
    const log = AuditLog.open(file);
    // Appends arrive in bursts with the event loop turning in between, as from the proxy,
    // so the writer's own timer and size trigger do the batching.
    let appendMs = 0;
    const t0 = performance.now();
    for (let i = 0; i < events; ) {
      const burst = Math.min(1000, events - i);
      const a = performance.now();
      for (let j = 0; j < burst; j++, i++) log.append(event(i));
      appendMs += performance.now() - a;
      await new Promise((r) => setImmediate(r));
    }
    log.flush();
    const insertMs = performance.now() - t0;
    const count = log.stats().count;
    if (count !== events) throw new Error(`expected ${events} events stored, found ${count}`);

    const v0 = performance.now();
    const verified = verifyChain(log.db);
    const verifyMs = performance.now() - v0;
    if (!verified.ok) throw new Error(`chain did not verify: ${verified.message}`);

    const exports = [];
    for (const format of EXPORT_FORMATS) {
      const sink = new NullSink();
      const heapBefore = process.memoryUsage().heapUsed;
      const e0 = performance.now();
      const r = await exportEvents(log.db, { format }, sink);
      const ms = performance.now() - e0;
      exports.push({
        format,
        events: r.count,
        ms: Math.round(ms),
        eventsPerSec: Math.round(r.count / (ms / 1000)),
        mbPerSec: Math.round((sink.bytes / 1e6 / (ms / 1000)) * 10) / 10,
        outputMB: Math.round(sink.bytes / 1e5) / 10,
        heapDeltaMB: Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e5) / 10,
      });
    }
    log.close();
    return {
      events,
      insert: {
        ms: Math.round(insertMs),
        eventsPerSec: Math.round(events / (insertMs / 1000)),
        appendUsPerEvent: Math.round((appendMs * 1000 / events) * 100) / 100,
        dbMB: Math.round(statSync(file).size / 1e5) / 10,
      },
      verify: { ms: Math.round(verifyMs), eventsPerSec: Math.round(events / (verifyMs / 1000)) },
      exports,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--events');
  const events = at >= 0 ? Number(args[at + 1]) : 1_000_000;
  if (!Number.isInteger(events) || events <= 0) {
    console.error('--events must be a positive integer');
    process.exit(2);
  }
  try {
    const r = await benchAudit({ events });
    if (args.includes('--json')) console.log(JSON.stringify(r, null, 2));
    else {
      console.log(`Audit log, ${events} events:`);
      console.log(`  insert  ${String(r.insert.eventsPerSec).padStart(9)} events/s (batched, hash chain, scrub); append() ${r.insert.appendUsPerEvent} µs/event; db ${r.insert.dbMB} MB`);
      console.log(`  verify  ${String(r.verify.eventsPerSec).padStart(9)} events/s`);
      for (const x of r.exports) console.log(`  export ${x.format.padEnd(6)} ${String(x.eventsPerSec).padStart(9)} events/s  ${x.mbPerSec} MB/s  (${x.outputMB} MB, heap +${x.heapDeltaMB} MB)`);
    }
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') console.error('Compiled code not found: run `npx tsc -b` first.');
    else console.error(err);
    process.exit(1);
  }
}
