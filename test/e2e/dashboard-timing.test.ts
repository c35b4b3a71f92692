import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../core/audit/audit-log.js';
import { auditEventsService } from '../../core/control/audit-events.js';
import { dashboardUrl, startControlServer } from '../../core/control/server.js';
import { belayPaths, ensureDataDir } from '../../core/paths.js';
import { buildDashboard, hasChromium, launchChromium } from '../helpers/browser.js';

/**
 * A timing report, not an assertion: first paint of the traffic view with 100k events in
 * the log, and frame times while scrolling the virtualised list. Written to bench/out/.
 */
const EVENTS = Number(process.env.BELAY_TIMING_EVENTS ?? 100_000);
const paths = belayPaths();

describe.skipIf(!hasChromium)('dashboard timing report', () => {
  const closers: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  it(`first paint of the traffic view with ${EVENTS} events`, async () => {
    ensureDataDir(paths);
    const log = AuditLog.open(paths.database, { batchSize: 5000, maxPending: EVENTS + 1 });
    closers.push(() => log.close());
    const fillStart = performance.now();
    const clients = ['cursor', 'claude-code', 'claude-desktop', 'vscode', 'windsurf'];
    for (let i = 0; i < EVENTS; i++) {
      log.append(
        i % 3 === 0
          ? { type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: clients[i % 5], server: `server-${i % 17}`, tool: `tool_${i % 101}`, decision: i % 50 === 0 ? 'deny' : 'allow' }
          : { type: 'llm.request', protocol: 'llm', transport: 'proxy', client: clients[i % 5], provider: 'openai', model: 'gpt-4.1', host: 'api.openai.com', path: '/v1/chat/completions', method: 'POST', status: 200 },
      );
      if (i % 5000 === 4999) log.flush();
    }
    log.flush();
    const fillMs = performance.now() - fillStart;

    const staticDir = await buildDashboard(path.join(paths.home, 'renderer'));
    const services = { info: () => ({ version: 'timing', startedAt: new Date().toISOString(), dataDir: paths.home }), events: auditEventsService(log) };
    const control = await startControlServer(services, { paths, staticDir, log: () => {} });
    closers.push(() => control.close());
    const browser = await launchChromium();
    closers.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

    const t0 = performance.now();
    await page.goto(dashboardUrl(control));
    await page.locator('.vrow').first().waitFor();
    const firstPaintMs = performance.now() - t0;
    const rows = await page.locator('.vrow').count();

    // Scroll through the loaded pages, measuring frame intervals inside the page.
    const frames = await page.evaluate(async () => {
      const list = document.querySelector('.vlist') as HTMLElement;
      const times: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 120; i++) {
        list.scrollTop += 600;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      return times;
    });
    frames.sort((a, b) => a - b);
    const report = {
      when: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      events: EVENTS,
      fillMs: Math.round(fillMs),
      firstPaintMs: Math.round(firstPaintMs),
      renderedRows: rows,
      scrollFrames: { count: frames.length, p50Ms: +frames[Math.floor(frames.length * 0.5)].toFixed(1), p95Ms: +frames[Math.floor(frames.length * 0.95)].toFixed(1), maxMs: +frames[frames.length - 1].toFixed(1) },
      note: 'Headless Chromium (no GPU), page load from navigation to the first traffic row; scroll frames are rAF intervals while scrolling 600 px per frame.',
    };
    mkdirSync('bench/out', { recursive: true });
    writeFileSync('bench/out/dashboard-timing.json', `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`dashboard timing: ${JSON.stringify(report)}\n`);
    // Windowing works: a few dozen rows in the DOM, not thousands.
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(200);
  }, 180_000);
});
