import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../core/cli/main.js';
import { startControlServer, type ControlServer } from '../../../core/control/server.js';
import { belayPaths } from '../../../core/paths.js';
import { makeTestServices } from '../../helpers/control-services.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'belay', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

const paths = belayPaths();
let control: ControlServer | undefined;
let ctx: ReturnType<typeof makeTestServices> | undefined;

afterEach(async () => {
  await control?.close();
  ctx?.log.close();
  control = undefined;
  ctx = undefined;
});

describe('belay status / belay open', () => {
  it('says Belay is not running and where its data lives, without creating a database', async () => {
    const r = await run('status', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toEqual({ running: false, dataDir: paths.home });
    expect(() => statSync(paths.database)).toThrow();
    const text = await run('status');
    expect(text.out).toMatch(/Belay is not running/);
    expect(text.out).toContain(paths.home);
  });

  it('counts events from the database when Belay is not running', async () => {
    ctx = makeTestServices(paths);
    ctx.log.append({ type: 'http', protocol: 'http', transport: 'proxy', client: 'curl', host: 'x.example' });
    ctx.log.close();
    ctx = undefined;
    const r = await run('status', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ running: false, database: { path: paths.database, events: 1 } });
  });

  it('reads status through the control API when Belay runs', async () => {
    ctx = makeTestServices(paths);
    control = await startControlServer(ctx.services, { paths, log: () => {} });
    const r = await run('status', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ running: true, state: 'guarding', controlUrl: control.url, pid: process.pid });
    const text = await run('status');
    expect(text.out).toMatch(/is running .*guarding/);
  });

  it('open prints the URL with the token when no browser can be opened, via a 0600 redirect file otherwise', async () => {
    ctx = makeTestServices(paths);
    control = await startControlServer(ctx.services, { paths, log: () => {} });
    const printed = await run('open', '--print');
    expect(printed.out.trim()).toBe(`${control.url}/#token=${control.token}`);
    process.env.BELAY_NO_BROWSER = '1';
    try {
      const r = await run('open');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Could not open a browser \(BELAY_NO_BROWSER is set\)/);
      expect(r.out).toContain(`${control.url}/#token=${control.token}`);
      const opener = path.join(paths.home, 'open-dashboard.html');
      expect(statSync(opener).mode & 0o777).toBe(0o600);
      expect(readFileSync(opener, 'utf8')).toContain(`url=${control.url}/#token=`);
    } finally {
      delete process.env.BELAY_NO_BROWSER;
    }
  });

  it('open fails with exit 1 and a next step when Belay is not running', async () => {
    const r = await run('open');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Belay is not running.*belay serve/);
  });
});
