import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, hasChromium, launchChromium, watchPageProblems } from '../../helpers/browser.js';
import { unlabelledControls } from '../../helpers/dashboard-a11y.js';
import { startTestBelay, type TestBelay } from '../../helpers/engine.js';

// The Review page and the alerts badge in Debian's Chromium, against the real engine
// (which serves the dashboard built from these sources), with real proxied traffic.
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

describe.skipIf(!hasChromium)('Review page in Chromium', () => {
  let belay: TestBelay;
  let site: http.Server;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let alertEventId: string;

  beforeAll(async () => {
    await buildDashboard(path.join(ROOT, 'dist', 'renderer'));
    site = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    belay = await startTestBelay({ settings: { anomaly: { learningHours: 0 } } });
    for (let i = 0; i < 3; i++) await (await belay.fetch(`${url}/p${i}`, { headers: { 'user-agent': 'curl/8.5.0' } })).text();
    [{ id: alertEventId }] = await belay.waitForEvents((e) => e.type === 'alert' && e.data.alert === 'new-host');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = watchPageProblems(page);
    await page.goto(belay.control.dashboardUrl);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await belay?.stop();
    await new Promise((r) => site?.close(r));
  });

  it('the Review tab carries the open-alert badge and lists the alert and the client review', async () => {
    const tab = page.getByRole('tab', { name: /^Review/ });
    await expect.poll(() => tab.textContent()).toBe('Review1');
    await tab.click();
    await page.getByText('curl contacted 127.0.0.1 for the first time.').first().waitFor();
    const client = page.getByRole('region', { name: 'Review of curl' });
    await client.waitFor();
    expect(await client.textContent()).toMatch(/Calls3 \(http 3\)/);
    expect(await client.textContent()).toMatch(/127\.0\.0\.1 3/);
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('a key action opens its event; acknowledging clears the alert and the badge', async () => {
    await page.getByRole('region', { name: 'Review of curl' }).getByRole('button', { name: 'event' }).first().click();
    const detail = page.getByRole('complementary', { name: 'Event detail' });
    await detail.waitFor();
    expect(await detail.textContent()).toMatch(/contacted 127\.0\.0\.1|alert/i);
    await page.getByRole('button', { name: /^Acknowledge alert:/ }).click();
    await page.getByText('No open alerts.').waitFor();
    await expect.poll(() => page.getByRole('tab', { name: /^Review/ }).textContent()).toBe('Review');
  });

  it('a link from `belay review` (#tab=review&event=ID) opens that event', async () => {
    await page.goto(`${belay.control.url}/#tab=review&event=${alertEventId}`);
    await page.getByRole('complementary', { name: 'Event detail' }).waitFor();
    expect(await page.getByRole('tab', { name: /^Review/ }).getAttribute('aria-selected')).toBe('true');
    expect(problems).toEqual([]);
  });
});
