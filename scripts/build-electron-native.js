#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into native/electron/better_sqlite3.node, so
// `npm start` can run the tray app without touching the Node build in node_modules
// (which the CLI, `belay serve` and the tests keep using). The core loads it through
// better-sqlite3's `nativeBinding` option. Packaged apps do not need this:
// electron-builder rebuilds native modules for Electron itself.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const outDir = path.join(root, 'native', 'electron');
const out = path.join(outDir, 'better_sqlite3.node');
const stampFile = path.join(outDir, 'stamp.json');

function fail(message) {
  process.stderr.write(`build-electron-native: ${message}\n`);
  process.exit(1);
}

let electronVersion;
try {
  electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
} catch {
  fail('Electron is not installed (npm install electron), so there is nothing to build for.');
}
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')).version;
const stamp = { electron: electronVersion, betterSqlite3: sqliteVersion, arch: process.arch, platform: process.platform };

if (existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === JSON.stringify(stamp)) {
  process.stdout.write(`build-electron-native: up to date (Electron ${electronVersion}, better-sqlite3 ${sqliteVersion}).\n`);
  process.exit(0);
}

// Build in a copy so node_modules/better-sqlite3/build (Node's ABI) is never replaced.
const work = path.join(outDir, 'src');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
for (const entry of ['binding.gyp', 'src', 'deps', 'package.json']) cpSync(path.join(sqliteDir, entry), path.join(work, entry), { recursive: true });

let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  fail('node-gyp is not available (it ships with npm; or npm install -D node-gyp).');
}
process.stdout.write(`build-electron-native: building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${process.arch})…\n`);
const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--target=${electronVersion}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers', `--directory=${work}`], {
  stdio: 'inherit',
  env: { ...process.env, npm_config_runtime: 'electron', npm_config_target: electronVersion, npm_config_disturl: 'https://electronjs.org/headers' },
});
if (r.status !== 0) fail(`node-gyp failed (exit ${r.status}). It needs a C++ toolchain and Electron's headers (downloaded from electronjs.org).`);
cpSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), out);
writeFileSync(stampFile, JSON.stringify(stamp));
rmSync(work, { recursive: true, force: true });
process.stdout.write(`build-electron-native: wrote ${path.relative(root, out)}\n`);
