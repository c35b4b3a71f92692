#!/usr/bin/env node
// `npm start`: the tray app when Electron and a display are available; otherwise the
// same guard headless (`belay serve`), saying why in one line. `--headless` (npm run
// serve) skips Electron. Arguments after `npm start --` go to whichever runs; signals are
// forwarded and the exit code kept. Either runs with the memory settings `belay` has
// (scripts/belay-launch.js): node flags for `belay serve`, V8 flags for Electron.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { belayLaunch } from './belay-launch.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const headless = process.argv.includes('--headless');
const args = process.argv.slice(2).filter((a) => a !== '--headless');
const launch = belayLaunch();

/** The Electron binary, or why there is none. */
export function findElectron(requireFrom = createRequire(path.join(root, 'package.json'))) {
  let binary;
  try {
    // The electron package's main export is the path to its downloaded binary; it throws
    // when the package is missing or its binary was never downloaded.
    binary = requireFrom('electron');
  } catch (err) {
    const missing = err && err.code === 'MODULE_NOT_FOUND';
    return { reason: missing ? 'Electron is not installed (it is an optional dependency)' : 'Electron is not installed (its binary could not be downloaded)' };
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return { reason: 'Electron is not installed (its binary could not be downloaded)' };
  return { binary };
}

export function displayReason(env = process.env, platform = process.platform) {
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)';
  return undefined;
}

function run(cmd, cmdArgs) {
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', cwd: root, env: { ...process.env, ...launch.env } });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => {
    process.stderr.write(`belay: could not start ${cmd}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
}

function main() {
  const electron = findElectron();
  const noDisplay = displayReason();
  if (electron.binary && !noDisplay && !process.env.BELAY_HEADLESS && !headless) {
    const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-electron-native.js')], { stdio: 'inherit' });
    if (built.status !== 0) {
      process.stderr.write('belay: could not build the SQLite module for Electron; running the headless guard instead: belay serve\n');
      serve();
      return;
    }
    // The main process takes V8 flags only on Electron's command line.
    run(electron.binary, [...(launch.nodeFlags.length ? [`--js-flags=${launch.nodeFlags.join(' ')}`] : []), '.', ...args]);
    return;
  }
  if (!headless) {
    const why = process.env.BELAY_HEADLESS ? 'BELAY_HEADLESS is set' : electron.reason ?? noDisplay;
    process.stderr.write(`belay: ${why} — running the headless guard instead: belay serve (open the dashboard with \`belay open\`)\n`);
  }
  serve();
}

function serve() {
  run(process.execPath, [...launch.nodeFlags, path.join(root, 'bin', 'belay.js'), 'serve', ...args]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
