import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientId, ServerTransport } from './types.js';

/**
 * How a protected entry launches Belay. We write the absolute node binary plus the
 * absolute path of bin/belay.js rather than a bare `belay`: GUI apps (Claude Desktop on
 * macOS, editors started from a dock) get a minimal PATH, and npm's `belay` shim is a
 * `#!/usr/bin/env node` script that fails when node is not on that PATH. The cost: if
 * node or Belay moves, the entry goes stale — `belay clients status` and `belay doctor`
 * report it and `belay clients protect` rewrites it.
 */
export interface BelayLauncher {
  command: string;
  prefixArgs: string[];
}

export function defaultLauncher(): BelayLauncher {
  return { command: process.execPath, prefixArgs: [findBelayBin()] };
}

/** bin/belay.js of this installation: found by walking up from this module (works from dist/ and from the TS sources). */
export function findBelayBin(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'bin', 'belay.js');
    if (existsSync(candidate) && isBelayPackage(path.join(dir, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find Belay's bin/belay.js above ${from}; is the installation complete?`);
    dir = parent;
  }
}

function isBelayPackage(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'belay';
  } catch {
    return false;
  }
}

export interface WrappedCommand {
  launcher: BelayLauncher;
  server?: string;
  client?: string;
  command: string;
  args: string[];
}

export function wrapCommand(launcher: BelayLauncher, server: string, client: ClientId, command: string, args: string[]): { command: string; args: string[] } {
  return { command: launcher.command, args: [...launcher.prefixArgs, 'mcp-wrap', '--server', server, '--client', client, '--', command, ...args] };
}

const BELAY_BIN = /(^|[\\/])belay(\.js|\.cmd|\.exe|\.ps1)?$/i;

/** Recognises an entry written by wrapCommand (or a hand-written `belay mcp-wrap … -- cmd`). */
export function parseWrapped(command: unknown, args: unknown): WrappedCommand | undefined {
  if (typeof command !== 'string') return undefined;
  const list = Array.isArray(args) && args.every((a) => typeof a === 'string') ? (args as string[]) : [];
  const all = [command, ...list];
  const at = all.indexOf('mcp-wrap');
  if (at < 1 || !BELAY_BIN.test(all[at - 1])) return undefined;
  const dash = all.indexOf('--', at);
  if (dash < 0 || dash + 1 >= all.length) return undefined;
  const opts = all.slice(at + 1, dash);
  const opt = (name: string) => {
    const i = opts.indexOf(name);
    return i >= 0 ? opts[i + 1] : undefined;
  };
  return {
    launcher: { command: all[0], prefixArgs: all.slice(1, at) },
    server: opt('--server'),
    client: opt('--client'),
    command: all[dash + 1],
    args: all.slice(dash + 2),
  };
}

/** Why a wrapped entry would fail to start now, or undefined when its launcher is in place. */
export function staleReason(w: WrappedCommand): string | undefined {
  const files = [w.launcher.command, ...w.launcher.prefixArgs].filter((p) => path.isAbsolute(p));
  const missing = files.find((p) => !existsSync(p));
  return missing ? `${missing} no longer exists` : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** stdio entries have a command; remote ones a url (type http / streamable-http / sse). */
export function transportOf(entry: unknown): ServerTransport {
  if (!isObject(entry)) return 'unknown';
  const type = typeof entry.type === 'string' ? entry.type.toLowerCase() : undefined;
  if (type === 'sse') return 'sse';
  if (type === 'http' || type === 'streamable-http' || type === 'streamablehttp') return 'http';
  if (typeof entry.command === 'string') return 'stdio';
  if (typeof entry.url === 'string' || typeof entry.serverUrl === 'string') return /\/sse\/?$/.test(String(entry.url ?? entry.serverUrl)) ? 'sse' : 'http';
  return 'unknown';
}
