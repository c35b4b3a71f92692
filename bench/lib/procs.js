// Starting and watching the processes a benchmark compares: Belay (`belay serve` as a
// child, so its RSS is its own), bare mockttp, mitmdump. Each returns { port, pid, caPem,
// stop() }.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BELAY_BIN, belayLaunch } from '../../scripts/belay-launch.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export { BELAY_BIN };

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port, { timeoutMs = 20_000, child } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited (code ${child.exitCode}) before listening on ${port}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resident set size of a process in MB (Linux /proc; elsewhere `ps`). */
export function rssMB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux, or the process is gone: fall back to ps
  }
  const r = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const kb = Number(r.stdout.trim());
  return Number.isFinite(kb) && kb > 0 ? kb / 1024 : NaN;
}

/**
 * CPU time (user + system) a process has used so far, in ms (Linux /proc; NaN elsewhere).
 * CPU per request is steadier than requests per second on a shared machine: it does not
 * count the time the process waited for a core.
 */
export function cpuMs(pid) {
  try {
    // Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop().trim().split(/\s+/);
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ: 100 on every Linux this runs on; `getconf CLK_TCK` says for sure (asked once).
    clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
    return (ticks * 1000) / clockTicks;
  } catch {
    return NaN;
  }
}

let clockTicks;

/**
 * The local HTTPS upstream (bench/lib/upstream.js) as its own child process, so its work
 * is not counted in the proxy's or the client's. Returns { port, pid, stop() }.
 */
export async function startUpstreamChild(pki) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'lib', 'upstream.js'), pki.certFile, pki.keyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}`)));
  });
  return { port, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

/** Open file descriptors of a process (Linux only; NaN elsewhere). */
export function openFds(pid) {
  try {
    return spawnSync('ls', [`/proc/${pid}/fd`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
  } catch {
    return NaN;
  }
}

/** Samples a process's RSS every `everyMs` until stop(); returns { peak, samples }. */
export function rssSampler(pid, everyMs = 100) {
  const samples = [];
  const timer = setInterval(() => samples.push(rssMB(pid)), everyMs);
  return {
    stop() {
      clearInterval(timer);
      const ok = samples.filter(Number.isFinite);
      return { peakMB: ok.length ? Math.max(...ok) : NaN, samples: ok.length };
    },
  };
}

function stopChild(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 8000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill(signal);
  });
}

/** The benchmark's policy: the shipped default minus the burst rule (a benchmark is a burst by design; the detectors still run). */
export function benchPolicyText() {
  const text = readFileSync(path.join(ROOT, 'resources', 'default-policy.yaml'), 'utf8');
  const out = text.replace(/  - name: ask-loops-and-bursts\n(    .*\n)+/, '');
  if (out === text) throw new Error('could not find the ask-loops-and-bursts rule in the default policy; update bench/lib/procs.js');
  return out;
}

/**
 * Prepares a fresh Belay data folder. The bench upstream's CA is trusted through
 * NODE_EXTRA_CA_CERTS (see startBelayChild), the way a developer's own local CA would be.
 */
export function belayHome({ port, policy = benchPolicyText(), dir, settings = {} } = {}) {
  const home = dir ?? mkdtempSync(path.join(os.tmpdir(), 'belay-bench-home-'));
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ ...settings, proxy: { port, ...(settings.proxy ?? {}) } }, null, 2));
  if (policy !== undefined) writeFileSync(path.join(home, 'policy.yaml'), policy);
  return home;
}

export function belayEnv(home, extra = {}) {
  const env = { ...process.env, BELAY_HOME: home, HOME: home, ...extra };
  for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NODE_OPTIONS']) delete env[k];
  return env;
}

/** `belay serve` as a child process, with the flags its shebang gives it. */
export async function startBelayChild({ upstreamCaFile, home, port, nodeArgs = [], env = {}, settings } = {}) {
  port = port ?? (await freePort());
  const ownHome = home === undefined;
  home = home ?? belayHome({ port, settings });
  const t0 = performance.now();
  // As a user's `belay serve` runs: with the env and flags on bin/belay.js's first line.
  const launch = belayLaunch();
  const child = spawn(process.execPath, [...launch.nodeFlags, ...nodeArgs, BELAY_BIN, 'serve', '--proxy-port', String(port)], {
    env: belayEnv(home, { ...launch.env, ...(upstreamCaFile ? { NODE_EXTRA_CA_CERTS: upstreamCaFile } : {}), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.resume();
  try {
    await waitForPort(port, { child });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${stderr}`);
  }
  const listeningMs = performance.now() - t0;
  return {
    kind: 'belay',
    port,
    pid: child.pid,
    child,
    home,
    listeningMs,
    caPem: readFileSync(path.join(home, 'ca.pem'), 'utf8'),
    stderr: () => stderr,
    // A data folder this function made is removed once Belay has stopped.
    stop: async () => {
      await stopChild(child);
      if (ownHome) rmSync(home, { recursive: true, force: true });
    },
    kill: () => stopChild(child, 'SIGKILL'),
  };
}

export async function startMockttpChild({ upstreamCaFile, nodeArgs = [], env = {} }) {
  const port = await freePort();
  const caOut = path.join(mkdtempSync(path.join(os.tmpdir(), 'belay-bench-mockttp-')), 'ca.pem');
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'bench', 'lib', 'mockttp-child.js'), String(port), caOut], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: upstreamCaFile, ...env },
  });
  child.stdout.resume();
  await waitForPort(port, { child });
  return { kind: 'mockttp', port, pid: child.pid, caPem: readFileSync(caOut, 'utf8'), stop: () => stopChild(child) };
}

/** A TLS-terminating byte pipe (tls-pipe-child.js): the floor of a Node proxy, below mockttp. */
export async function startTlsPipeChild(pki) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'lib', 'tls-pipe-child.js'), String(port), pki.certFile, pki.keyFile, pki.caFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.resume();
  await waitForPort(port, { child });
  return { kind: 'tls-pipe', port, pid: child.pid, caPem: pki.ca, stop: () => stopChild(child) };
}

export function mitmdumpAvailable() {
  return spawnSync('mitmdump', ['--version'], { encoding: 'utf8' }).status === 0;
}

export function mitmdumpVersion() {
  const r = spawnSync('mitmdump', ['--version'], { encoding: 'utf8' });
  return /Mitmproxy: (\S+)/.exec(r.stdout)?.[1];
}

/** mitmdump as the issue asks for it; `extraArgs` e.g. ['--set', 'stream_large_bodies=1'] (it buffers bodies by default). */
export async function startMitmdump(extraArgs = []) {
  const port = await freePort();
  const confdir = mkdtempSync(path.join(os.tmpdir(), 'belay-bench-mitm-'));
  const child = spawn('mitmdump', ['--ssl-insecure', '-p', String(port), '--listen-host', '127.0.0.1', '-q', '--set', `confdir=${confdir}`, ...extraArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, { child, timeoutMs: 30_000 });
  const caFile = path.join(confdir, 'mitmproxy-ca-cert.pem');
  for (let i = 0; i < 200 && !existsSync(caFile); i++) await new Promise((r) => setTimeout(r, 25));
  return { kind: 'mitmdump', port, pid: child.pid, caPem: readFileSync(caFile, 'utf8'), stop: () => stopChild(child) };
}
