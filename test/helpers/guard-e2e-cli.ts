import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecisionBody, PendingApproval } from '../../shared/api.js';
import { connectControl } from '../../core/control/client.js';
import type { BelayPaths } from '../../core/paths.js';
import { run } from './run.js';

/**
 * The compiled `belay` CLI (`node bin/belay.js`), run as a separate process against a test's
 * data folder, the way a developer answers Belay from a terminal. Always asynchronous: the
 * engine under test lives in the test's process and must keep serving while the CLI talks
 * to its control API.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'belay.js');

const BUILD_LOCK = path.join(os.tmpdir(), 'belay-guard-e2e-build.lock');
const STALE_LOCK_MS = 180_000;

/**
 * Compiles the tree so bin/belay.js runs these sources (others' type errors elsewhere do not
 * stop the emit). Test files run in parallel processes: one builds at a time (a lock
 * folder), so the others find the tree built and their own `tsc -b` is a quick no-op.
 */
export async function buildCli(): Promise<void> {
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a killed run would block every later one.
      const age = Date.now() - (statSync(BUILD_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS || Date.now() > deadline) rmSync(BUILD_LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const res = await run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['tsc', '-b'], { timeoutMs: STALE_LOCK_MS, env: { ...process.env, FORCE_COLOR: '0' } });
    if (!existsSync(path.join(ROOT, 'dist', 'core', 'cli', 'main.js'))) {
      throw new Error(`npx tsc -b did not produce the CLI:\n${res.stdout}\n${res.stderr}`);
    }
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export function belayCli(home: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { timeoutMs: opts.timeoutMs ?? 20_000, env: { ...process.env, BELAY_HOME: home, NO_COLOR: '1' } });
}

/** `belay approvals list --json`, parsed; throws with the CLI's own words when it fails. */
export async function cliPendingApprovals(home: string): Promise<PendingApproval[]> {
  const res = await belayCli(home, ['approvals', 'list', '--json']);
  if (res.code !== 0) throw new Error(`belay approvals list failed (${res.code}): ${res.stderr}`);
  return JSON.parse(res.stdout) as PendingApproval[];
}

/** Polls `belay approvals list --json` until an approval matching `match` is pending. */
export async function waitForCliApproval(home: string, match: (a: PendingApproval) => boolean, timeoutMs = 15_000): Promise<PendingApproval> {
  const deadline = Date.now() + timeoutMs;
  let last: PendingApproval[] = [];
  while (Date.now() < deadline) {
    last = await cliPendingApprovals(home);
    const found = last.find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`No matching pending approval within ${timeoutMs} ms. Pending: ${JSON.stringify(last.map((a) => [a.id, a.subject.kind, a.subject.tool, a.summary]))}`);
}

/**
 * Answers the first pending approval matching `match` through the control API (as the tray
 * and the dashboard do), waiting for it to appear. Returns its id.
 */
export async function decideViaControl(
  paths: BelayPaths,
  match: (a: PendingApproval) => boolean,
  body: DecisionBody,
  timeoutMs = 15_000,
): Promise<string> {
  const control = await connectControl(paths);
  if (!control) throw new Error(`Belay's control API is not reachable from ${paths.home}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = (await control.approvals()).find(match);
    if (found) {
      if (!(await control.decide(found.id, body))) throw new Error(`approval ${found.id} could not be decided`);
      return found.id;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`No matching pending approval within ${timeoutMs} ms`);
}
