import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../core/audit/audit-log.js';
import { ControlClient } from '../../core/control/client.js';
import { readControlFile } from '../../core/control/control-file.js';
import { dashboardUrl, startControlServer, type ControlServer } from '../../core/control/server.js';
import type { PolicyService } from '../../core/control/services.js';
import { belayPaths } from '../../core/paths.js';
import { PolicyStore } from '../../core/policy/store.js';
import { buildDashboard, hasChromium, launchChromium, screenshot, watchPageProblems } from '../helpers/browser.js';
import { makeTestServices } from '../helpers/control-services.js';

const paths = belayPaths();

describe.skipIf(!hasChromium)('dashboard in Chromium against a control server over a real audit log', () => {
  let browser: Browser;
  let page: Page;
  let control: ControlServer;
  let ctx: ReturnType<typeof makeTestServices>;
  let policy: PolicyStore;
  let problems: string[];

  beforeAll(async () => {
    const staticDir = await buildDashboard(path.join(paths.home, 'renderer'));
    ctx = makeTestServices(paths);
    policy = PolicyStore.open(paths.policy);
    const policyService: PolicyService = {
      sourceText: () => policy.sourceText(),
      path: paths.policy,
      validate: (t) => policy.validate(t),
      save: (t) => policy.save(t),
    };
    ctx.services.policy = policyService;
    // A little history before the page opens.
    for (let i = 0; i < 30; i++) {
      ctx.log.append({ type: 'llm.request', protocol: 'llm', transport: 'proxy', client: 'claude-code', provider: 'anthropic', model: 'claude-sonnet-4', host: 'api.anthropic.com', path: '/v1/messages', method: 'POST', status: 200, data: { usage: { inputTokens: 1200 + i, outputTokens: 80 } } });
    }
    ctx.log.flush();
    control = await startControlServer(ctx.services, { paths, staticDir, log: (m) => process.stderr.write(`${m}\n`) });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = watchPageProblems(page);
    await page.goto(dashboardUrl(control));
    await page.getByRole('status').filter({ hasText: 'Guarding' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await control?.close();
    policy?.close();
    ctx?.log.close();
  });

  it('strips the token from the address bar and loads history', async () => {
    expect(page.url()).not.toContain('token');
    await expect.poll(() => page.locator('.vrow').count()).toBeGreaterThan(10);
  });

  it('shows traffic live as another process writes it', async () => {
    const other = AuditLog.open(paths.database, { batchMs: 5 });
    other.append({ type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: 'claude-desktop', server: 'filesystem', tool: 'read_file_LIVE', decision: 'allow' });
    other.close();
    await page.getByText('called read_file_LIVE on filesystem').waitFor({ timeout: 5000 });
    await page.getByText('called read_file_LIVE on filesystem').click();
    await page.getByRole('complementary', { name: 'Event detail' }).getByText('read_file_LIVE').first().waitFor();
    await screenshot(page, 'dashboard-traffic');
  });

  it('filters by client and text', async () => {
    await page.getByLabel('Search').fill('read_file_LIVE');
    await expect.poll(() => page.locator('.vrow').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.locator('.vrow').count()).toBeGreaterThan(10);
  });

  it('decides a held approval from the dashboard and the asker gets the answer', async () => {
    const client = new ControlClient(readControlFile(paths.control)!);
    const outcome = client.ask({
      subject: { kind: 'mcp.tool_call', client: 'claude-code', transport: 'stdio', server: 'shell', tool: 'run_command', arguments: { command: 'rm -rf ./build' } },
      findings: [{ detector: 'destructive-command', severity: 'high', message: 'Deletes files recursively', evidence: 'rm -rf ./build', where: 'arguments.command' }],
      risk: 'high',
      summary: 'Claude Code wants to run run_command on shell',
      timeoutMs: 60_000,
    });
    const tab = page.getByRole('tab', { name: /Approvals/ });
    await tab.getByText('1').waitFor();
    await tab.click();
    const card = page.getByRole('article', { name: /run_command/ });
    await card.waitFor();
    await expect.poll(() => card.locator('mark.risky').textContent()).toBe('rm -rf ./build');
    await card.getByLabel('Remember').selectOption('session');
    await card.getByLabel('for').selectOption('tool');
    await screenshot(page, 'dashboard-approval');
    await card.getByRole('button', { name: 'Allow' }).click();
    const o = await outcome;
    expect(o).toMatchObject({ allowed: true, decidedBy: 'human' });
    await page.getByRole('cell', { name: /run_command/ }).first().waitFor();
    expect(ctx.approvals.history(1)[0]).toMatchObject({ remember: 'session', scope: 'tool', status: 'allowed' });
  });

  it('shows a policy error with its line number and does not save it', async () => {
    await page.getByRole('tab', { name: 'Policy' }).click();
    const editor = page.getByLabel('Policy file (YAML)');
    await editor.waitFor();
    const before = policy.sourceText();
    await editor.fill('version: 1\nrules:\n  - name: broken\n    when: { kind: mcp.tool_call }\n    action: explode\n');
    const err = page.locator('#policy-errors .error').first();
    await err.waitFor({ timeout: 5000 });
    expect(await err.textContent()).toMatch(/^Line \d+/);
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await screenshot(page, 'dashboard-policy-error');
    expect(policy.sourceText()).toBe(before);
  });

  it('ran without CSP violations or page errors', () => {
    expect(problems).toEqual([]);
  });

  it('refuses the API to a page without the token', async () => {
    const p2 = await browser.newPage();
    await p2.goto(`${control.url}/`);
    await p2.getByText("This page needs Belay's access token").waitFor();
    const status = await p2.evaluate(async () => (await fetch('/api/status')).status);
    expect(status).toBe(401);
    await p2.close();
  });
});
