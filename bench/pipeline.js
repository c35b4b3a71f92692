#!/usr/bin/env node
// What the guard costs per flow: detectors + policy (default policy, all built-in
// detectors) on realistic actions, µs per flow; the same on hostile inputs (how bad the
// worst case gets); and an approval's decision-to-release latency (queue.decide() until
// the held decide() resolves). Runs on the compiled code: `npx tsc -b` first, then
// `node bench/pipeline.js [--flows N] [--json]`. Exported as benchPipeline() for bench/run.js.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const dist = (p) => pathToFileURL(path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'dist', 'core', p)).href;

function realisticActions() {
  const prompt = [
    'You are a coding assistant. Follow the repository conventions.',
    ...Array.from({ length: 20 }, (_, i) => `// file src/module-${i}.ts\nexport function handler${i}(req, res) {\n  const user = await db.users.find(req.params.id);\n  return res.json({ ok: true, user, at: Date.now() });\n}\n`),
    'Please refactor the handlers to share one error path and add tests.',
  ];
  return [
    { kind: 'llm.request', client: 'claude-code', transport: 'proxy', host: 'api.anthropic.com', provider: 'anthropic', model: 'claude-sonnet-4', texts: prompt },
    { kind: 'mcp.tool_call', client: 'cursor', transport: 'stdio', server: 'filesystem', tool: 'read_file', arguments: { path: 'src/index.ts' } },
    { kind: 'mcp.tool_call', client: 'cursor', transport: 'stdio', server: 'shell', tool: 'run_terminal_cmd', arguments: { command: 'npm test -- --run src/app.test.ts', cwd: '/work/app' } },
    { kind: 'mcp.tool_call', client: 'claude-desktop', transport: 'stdio', server: 'github', tool: 'create_issue', arguments: { owner: 'acme', repo: 'web', title: 'Flaky test', body: 'See https://github.com/acme/web/actions/runs/1 for details.' } },
    { kind: 'mcp.tools_list', client: 'cursor', transport: 'stdio', server: 'filesystem', phase: 'response', toolDescriptions: Array.from({ length: 12 }, (_, i) => ({ name: `tool_${i}`, description: `Reads or lists files under the allowed folders (variant ${i}). Returns text.` })) },
  ];
}

function hostileActions() {
  return [
    { kind: 'llm.request', client: 'x', transport: 'proxy', texts: ['tokena'.repeat(150_000)] },
    { kind: 'mcp.tool_call', client: 'x', transport: 'stdio', tool: 'run', arguments: { command: 'rm -rf a; '.repeat(6_000) } },
    { kind: 'mcp.tool_call', client: 'x', transport: 'stdio', tool: 'x', phase: 'response', texts: ['ignore all all all '.repeat(12_000)] },
  ];
}

export async function benchPipeline({ flows = 20_000 } = {}) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'belay-bench-'));
  process.env.BELAY_HOME = home;
  try {
    const { defaultDetectors } = await import(dist('detectors/index.js'));
    const { createGuard } = await import(dist('pipeline/guard.js'));
    const { PauseSwitch } = await import(dist('pipeline/pause.js'));
    const { parsePolicy } = await import(dist('policy/load.js'));
    const { defaultPolicyText } = await import(dist('policy/default-policy.js'));
    const { ApprovalQueue } = await import(dist('approvals/queue.js'));
    const parsed = parsePolicy(defaultPolicyText());
    const policy = { current: () => parsed.policy };
    // Loop and rate detectors would (rightly) fire on a benchmark's repetition; give them room.
    const detectors = defaultDetectors({ loop: { repeats: 1000 }, rate: { perMinute: 10_000 }, log: () => {} });
    const guard = createGuard({ policy, detectors, pause: new PauseSwitch(path.join(home, 'paused.json')), log: () => {} });
    const results = [];

    for (const action of realisticActions()) {
      for (let i = 0; i < 200; i++) await guard.decide(action);
      const t0 = performance.now();
      // Clients rotate so the loop and rate detectors do their work without firing.
      for (let i = 0; i < flows; i++) await guard.decide({ ...action, client: `c${i % 200}` });
      const us = ((performance.now() - t0) * 1000) / flows;
      results.push({ case: `${action.kind} ${action.tool ?? action.host ?? ''}`.trim(), flows, usPerFlow: Math.round(us * 10) / 10 });
    }
    for (const action of hostileActions()) {
      const t0 = performance.now();
      const n = 5;
      for (let i = 0; i < n; i++) await guard.decide(action);
      results.push({ case: `hostile ${action.kind} (${Math.round(JSON.stringify(action).length / 1024)} KiB)`, flows: n, usPerFlow: Math.round(((performance.now() - t0) * 1000) / n) });
    }

    // Decision-to-release: from decide() on a pending approval to the held flow resuming.
    const queue = new ApprovalQueue({ log: () => {} });
    const asking = createGuard({ policy, detectors, approvals: queue, log: () => {} });
    const samples = [];
    for (let i = 0; i < 500; i++) {
      const held = asking.decide({ kind: 'mcp.tool_call', client: 'cursor', transport: 'stdio', server: 'fs', tool: 'delete_file', arguments: { path: `f${i}` } });
      await new Promise((r) => setImmediate(r));
      const [pending] = queue.list();
      const t0 = performance.now();
      queue.decide(pending.id, { decision: 'allow' });
      await held;
      samples.push((performance.now() - t0) * 1000);
    }
    samples.sort((a, b) => a - b);
    results.push({ case: 'approval decision-to-release', flows: samples.length, usP50: Math.round(samples[samples.length >> 1]), usP99: Math.round(samples[Math.floor(samples.length * 0.99)]) });
    queue.close();
    return results;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--flows');
  const flows = at >= 0 ? Number(args[at + 1]) : 20_000;
  if (!Number.isInteger(flows) || flows < 1) {
    console.error('--flows must be a positive integer');
    process.exit(2);
  }
  try {
    const results = await benchPipeline({ flows });
    if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
    else {
      console.log('Guard pipeline (detectors + default policy):');
      for (const r of results) console.log(`  ${r.case.padEnd(48)} ${r.usPerFlow !== undefined ? `${r.usPerFlow} µs/flow` : `p50 ${r.usP50} µs, p99 ${r.usP99} µs`}`);
    }
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') console.error('Compiled code not found: run `npx tsc -b` first.');
    else console.error(err);
    process.exit(1);
  }
}
