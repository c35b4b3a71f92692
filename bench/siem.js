#!/usr/bin/env node
// SIEM forwarder throughput: events/s from the outbox (read by seq from SQLite, batched,
// formatted, sent, acknowledged, cursor committed) to a local receiver, per destination
// type. The receivers answer at once (HEC "Success", _bulk all-201, webhook 204, a TCP
// sink for syslog), so the number is Belay's own cost, not a collector's.
// Runs on the compiled code: `npx tsc -b`, then `node bench/siem.js [--events N] [--json]`
// (default 100 000). Exported as benchSiem() for bench/run.js.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const dist = new URL('../dist/core/', import.meta.url);

function event(i) {
  return i % 2
    ? { type: 'llm.request', protocol: 'llm', transport: 'proxy', client: 'cursor', provider: 'openai', model: 'gpt-4o', method: 'POST', host: 'api.openai.com',
        path: '/v1/chat/completions', status: 200, latencyMs: 120, bytesIn: 1800, bytesOut: 5200, data: { usage: { inputTokens: 1000, outputTokens: 80 } } }
    : { type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: 'claude-desktop', server: 'filesystem', tool: 'read_file', method: 'tools/call',
        decision: 'allow', decidedBy: 'policy', latencyMs: 4, data: { arguments: { path: `/home/dev/project/src/file-${i}.ts` } } };
}

/** One HTTP server that plays HEC, _bulk and a webhook, counting events. */
function httpReceiver() {
  let events = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url.startsWith('/services/collector')) {
        events += body.split('\n').length;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"text":"Success","code":0}');
      } else if (req.url.endsWith('/_bulk')) {
        const lines = body.split('\n').length - 1;
        const n = lines / 2;
        events += n;
        const items = Array.from({ length: n }, () => '{"create":{"status":201}}').join(',');
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"took":1,"errors":false,"items":[${items}]}`);
      } else {
        events += body.split('\n').length - 1;
        res.writeHead(204).end();
      }
    });
  });
  return { server, count: () => events };
}

function tcpSink() {
  let bytes = 0;
  const server = net.createServer((s) => s.on('data', (c) => (bytes += c.length)));
  return { server, count: () => bytes };
}

const listen = (server) => new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));

export async function benchSiem({ events = 100_000 } = {}) {
  const { AuditLog } = await import(new URL('audit/audit-log.js', dist).href);
  const { SiemForwarder } = await import(new URL('siem/forwarder.js', dist).href);
  const { saveSiemConfig, parseDestination } = await import(new URL('siem/config.js', dist).href);
  const { saveSecrets } = await import(new URL('siem/secrets.js', dist).href);
  const { readDestinationStatus } = await import(new URL('siem/status.js', dist).href);

  const web = httpReceiver();
  const tcp = tcpSink();
  const httpPort = await listen(web.server);
  const tcpPort = await listen(tcp.server);
  const base = `http://127.0.0.1:${httpPort}`;
  const batch = { maxEvents: 1000, maxBytes: 4 * 1024 * 1024, maxDelayMs: 0 };
  const cases = [
    { name: 'splunk-hec', type: 'splunk-hec', url: base },
    { name: 'elastic', type: 'elastic', url: base },
    { name: 'webhook', type: 'webhook', url: `${base}/hook` },
    { name: 'syslog-tcp', type: 'syslog', host: '127.0.0.1', port: tcpPort, transport: 'tcp', format: 'json' },
  ];
  const results = {};
  const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-bench-siem-'));
  try {
    const log = AuditLog.open(path.join(dir, 'bench.db'));
    for (let i = 0; i < events; i++) {
      log.append(event(i));
      if (i % 5000 === 4999) log.flush();
    }
    log.flush();
    const secretsFile = path.join(dir, 'siem-secrets.json');
    saveSecrets(secretsFile, { 'splunk-hec': { token: 'bench-token-0000000000' }, webhook: { hmacSecret: 'bench-secret-000000' } });
    for (const c of cases) {
      const configFile = path.join(dir, `siem-${c.name}.json`);
      const dest = parseDestination({ ...c, batch, cap: {}, startAt: 'beginning' });
      saveSiemConfig(configFile, { destinations: [dest] });
      const fwd = new SiemForwarder({ configFile, secretsFile, pollMs: 5, log: (m) => process.stderr.write(`${m}\n`) });
      const t0 = performance.now();
      fwd.start(log.db, log);
      for (;;) {
        const [s] = readDestinationStatus(log.db, [dest]);
        if (s.lagEvents === 0) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const ms = performance.now() - t0;
      await fwd.stop(2000);
      results[c.name] = { events, ms: Math.round(ms), eventsPerSec: Math.round((events / ms) * 1000) };
    }
    log.close();
    results.received = { http: web.count(), syslogBytes: tcp.count() };
  } finally {
    web.server.close();
    tcp.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--events');
  const events = i >= 0 ? Number(args[i + 1]) : 100_000;
  const r = await benchSiem({ events });
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    for (const [k, v] of Object.entries(r)) if (v.eventsPerSec) process.stdout.write(`siem ${k.padEnd(11)} ${String(v.eventsPerSec).padStart(8)} events/s  (${v.events} events in ${v.ms} ms)\n`);
  }
}
