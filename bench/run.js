#!/usr/bin/env node
// `npm run bench`: every benchmark in one run, results to bench/out/results.json and the
// generated section of bench/RESULTS.md. Needs the build (`npm run build`; run.js checks
// dist/ exists) and, for the mitmdump column, Debian's mitmproxy package.
//   node bench/run.js            full run (about 10 minutes)
//   node bench/run.js --quick    short run (about 2 minutes), numbers indicative only
//   node bench/run.js --only proxy,startup   a subset (names as in results.json)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkGoals } from './lib/goals.js';
import { writeResultsMd } from './lib/results-md.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : undefined;
const log = (m) => process.stderr.write(`${m}\n`);

if (!existsSync(path.join(here, '..', 'dist', 'core', 'engine.js'))) {
  log('bench: dist/ is missing. Build first: npm run build');
  process.exit(1);
}

const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const results = {
  when: new Date().toISOString(),
  quick,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model.trim(), node: process.version, platform: `${os.platform()} ${os.release()}`, loadBefore: load() },
  errors: {},
};

const parts = [
  ['proxy', async () => (await import('./proxy-overhead.js')).benchProxy({ quick, log })],
  ['conversation', async () => (await import('./conversation.js')).benchConversation({ quick, log })],
  ['startup', async () => (await import('./startup.js')).benchStartup({ runs: quick ? 1 : 3 })],
  ['allocPerRequest', async () => (await import('./alloc-per-request.js')).benchAllocPerRequest({ seconds: quick ? 2 : 5, top: 10 })],
  ['pipeline', async () => (await import('./pipeline.js')).benchPipeline({ flows: quick ? 2000 : 20_000 })],
  ['stdioRelay', async () => (await import('./stdio-relay.js')).benchStdioRelay({ messages: quick ? 1000 : 5000 })],
  ['audit', async () => (await import('./audit.js')).benchAudit({ events: quick ? 100_000 : 1_000_000 })],
  ['siem', async () => (await import('./siem.js')).benchSiem({ events: quick ? 20_000 : 100_000 })],
  ['parsersLlm', async () => (await import('./parsers-llm.js')).benchParsersLlm({ events: quick ? 10_000 : 50_000, rounds: quick ? 2 : 5 })],
  ['classify', async () => (await import('./parsers-llm.js')).benchClassify({ iterations: quick ? 20_000 : 200_000 })],
  ['parsersMcp', async () => (await import('./parsers-mcp.js')).benchParsersMcp({ messages: quick ? 10_000 : 50_000, rounds: quick ? 2 : 5 })],
  ['dashboardQueries', async () => (await import('./dashboard-queries.js')).benchDashboardQueries({ events: quick ? 100_000 : 1_000_000 })],
];

for (const [name, run] of parts) {
  if (only && !only.has(name)) continue;
  const t0 = Date.now();
  log(`bench: ${name}…`);
  try {
    results[name] = await run();
    log(`bench: ${name} done in ${Math.round((Date.now() - t0) / 1000)} s`);
  } catch (err) {
    results.errors[name] = err.message.split('\n')[0];
    log(`bench: ${name} FAILED: ${err.stack}`);
  }
}

const timing = path.join(here, 'out', 'dashboard-timing.json');
if (existsSync(timing)) results.dashboardTiming = JSON.parse(readFileSync(timing, 'utf8'));
results.machine.loadAfter = load();
results.goals = checkGoals(results);

mkdirSync(path.join(here, 'out'), { recursive: true });
writeFileSync(path.join(here, 'out', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
if (!only) writeResultsMd(path.join(here, 'RESULTS.md'), results);
for (const g of results.goals) log(`${g.met ? 'met    ' : 'MISSED '} ${g.goal}: ${g.measured}`);
log(`bench: results in bench/out/results.json${only ? '' : ' and bench/RESULTS.md'}`);
// Children (proxies, servers) are stopped by each part; leftover handles must not keep us alive.
process.exit(Object.keys(results.errors).length ? 1 : 0);
