import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ProxyAgent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../helpers/guard-e2e-cli.js';
import { belayIn, makeHome, startServe, type ServeChild } from '../../helpers/bench-serve.js';
import { startFakeProvider, type FakeProvider } from '../../helpers/fake-provider.js';
import { issueServerCert, makeTestCa, PROVIDER_HOSTS } from '../../helpers/tls.js';

// The disk under Belay's data folder fills up (a small tmpfs, so nothing real is at risk;
// mounting needs root, so elsewhere the test is skipped with the reason). Belay must say
// so, keep serving, keep the events queued, and write every one of them once there is
// room again; the chain must still verify.
describe('disk full under the data folder', () => {
  let mountDir = '';
  let skipReason = '';
  let provider: FakeProvider;
  let serve: ServeChild | undefined;

  beforeAll(async () => {
    mountDir = mkdtempSync(path.join(os.tmpdir(), 'belay-diskfull-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mountDir], { stdio: 'pipe' });
    } catch (err) {
      skipReason = `cannot mount a small tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}); run as root to test a full disk`;
      return;
    }
    await buildCli();
    const ca = makeTestCa();
    provider = await startFakeProvider({ cert: issueServerCert(ca, PROVIDER_HOSTS) });
    makeHome({ home: mountDir, settings: { proxy: { extraCaFiles: [ca.certFile] } } });
  }, 240_000);

  afterAll(async () => {
    await serve?.stop();
    await provider?.close();
    if (!skipReason) {
      try {
        execFileSync('umount', [mountDir], { stdio: 'pipe' });
      } catch (err) {
        process.stderr.write(`disk-full test: could not unmount ${mountDir}: ${(err as Error).message}\n`);
      }
    }
    rmSync(mountDir, { recursive: true, force: true });
  });

  it('says the disk is full, keeps serving, and writes every queued event once there is room', async (ctx) => {
    if (skipReason) {
      process.stderr.write(`disk-full test skipped: ${skipReason}\n`);
      ctx.skip();
      return;
    }
    serve = await startServe(mountDir);
    const agent = new ProxyAgent({ uri: `http://127.0.0.1:${serve.port}`, requestTls: { ca: readFileSync(path.join(mountDir, 'ca.pem'), 'utf8') } });
    const get = async (p: string) => {
      const res = await request(`https://127.0.0.1:${provider.port}${p}`, { dispatcher: agent });
      await res.body.text();
      return res.statusCode;
    };
    expect(await get('/full/warm')).toBe(200);
    await new Promise((r) => setTimeout(r, 300));

    // Fill the disk to the last block.
    const filler = path.join(mountDir, 'filler.bin');
    try {
      writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024));
    } catch {
      // ENOSPC: exactly what we wanted; the file holds all the space it could get.
    }
    // Traffic keeps flowing while nothing can be written; long paths make the events big.
    const paths = Array.from({ length: 40 }, (_, i) => `/full/${i}/${'p'.repeat(1500)}`);
    for (const p of paths) expect(await get(p)).toBe(200);
    const deadline = Date.now() + 20_000;
    while (!/audit log write failed.*(full|SQLITE_FULL|ENOSPC)/i.test(serve.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(serve.stderr()).toMatch(/audit log write failed \(\d+ events waiting, will retry\).*(full|SQLITE_FULL|ENOSPC)/i);

    // Room again: every event of the outage is written.
    rmSync(filler);
    const until = Date.now() + 60_000;
    let logged = 0;
    while (Date.now() < until) {
      const db = new Database(path.join(mountDir, 'belay.db'), { readonly: true });
      logged = (db.prepare("SELECT count(*) AS n FROM events WHERE path LIKE '/full/%' AND path != '/full/warm'").get() as { n: number }).n;
      db.close();
      if (logged === paths.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(logged).toBe(paths.length);
    await agent.close();
    const stopped = await serve.stop();
    serve = undefined;
    expect(stopped.code).toBe(0);
    const verify = await belayIn(mountDir, ['log', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 180_000);
});
