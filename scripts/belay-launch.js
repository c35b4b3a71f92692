// What bin/belay.js's first line (`#!/usr/bin/env -S [VAR=value ...] node [--flag ...]`)
// gives a user's `belay` command: environment variables and node/V8 flags (its memory
// settings: bench/RESULTS.md, Findings, item 7). Launchers that start node or Electron
// themselves (npm start, npm run serve, the bench) read them here, so the shebang stays
// the one place they are written.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BELAY_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'belay.js');

export function belayLaunch(bin = BELAY_BIN) {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env\s+(?:-S\s+)?((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)node((?:\s+--\S+)*)\s*$/.exec(first);
  if (!m) throw new Error(`${bin}: unexpected first line ${JSON.stringify(first)}`);
  const env = Object.fromEntries(m[1].split(/\s+/).filter(Boolean).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
  return { env, nodeFlags: m[2].split(/\s+/).filter(Boolean) };
}
