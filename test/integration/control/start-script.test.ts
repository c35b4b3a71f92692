import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const built = existsSync('dist/core/cli/main.js');

describe.skipIf(!built)('npm start (scripts/start.js) without Electron', () => {
  it('says why in one line, runs belay serve with the same args, forwards SIGTERM and keeps the exit code', async () => {
    const port = await freePort();
    const env = { ...process.env };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, ['scripts/start.js', '--proxy-port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    for (let i = 0; i < 200 && !out.includes('Belay is guarding'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain(`Belay is guarding on http://127.0.0.1:${port}`);
    const reasons = err.split('\n').filter((l) => l.includes('running the headless guard instead'));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^belay: (Electron is not installed|there is no graphical display).* — running the headless guard instead: belay serve/);
    if (process.platform === 'linux') {
      // `belay serve` runs with the memory settings of bin/belay.js's first line, as the
      // `belay` command would (scripts/belay-launch.js).
      const [served] = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/);
      const cmdline = readFileSync(`/proc/${served}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain('--max-semi-space-size=4');
      expect(cmdline[cmdline.indexOf('serve') - 1]).toMatch(/bin[/\\]belay\.js$/);
      expect(readFileSync(`/proc/${served}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=2');
    }
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(err).toContain('SIGTERM received');
  }, 30_000);
});
