import { existsSync, readFileSync } from 'node:fs';
import { createTwoFilesPatch } from 'diff';
import type { BelayPaths } from '../paths.js';
import { ConfigParseError, parseJsonc } from './jsonc-doc.js';
import type { ClientEnv } from './locations.js';
import { mcpConfigLocations } from './locations.js';
import { planProtect, planUnprotect, type FilePlan } from './protect.js';
import { backupFile, writeFileAtomic } from './safe-write.js';
import { listServers } from './servers.js';
import { loadState, saveState } from './state.js';
import type { ClientId, McpConfigLocation, ServerInfo } from './types.js';
import { defaultLauncher, type BelayLauncher } from './wrapper.js';

export interface ClientsContext {
  env: ClientEnv;
  paths: BelayPaths;
  projectDir?: string;
  launcher?: BelayLauncher;
}

export interface FileStatus {
  client: ClientId;
  scope: 'user' | 'project';
  path: string;
  exists: boolean;
  /** Why the file could not be read (it is left untouched). */
  error?: string;
  servers: ServerInfo[];
}

function readText(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** What each of the client's config files holds right now. Never writes. */
export function scanClient(client: ClientId, ctx: ClientsContext): FileStatus[] {
  return mcpConfigLocations(client, ctx.env, ctx.projectDir).map((loc) => {
    const base = { client, scope: loc.scope, path: loc.path };
    const text = readText(loc.path);
    if (text === undefined) return { ...base, exists: false, servers: [] };
    try {
      return { ...base, exists: true, servers: listServers(loc, parseJsonc(loc.path, text)) };
    } catch (err) {
      return { ...base, exists: true, error: (err as Error).message, servers: [] };
    }
  });
}

export interface FileResult {
  client: ClientId;
  path: string;
  outcome: 'missing' | 'unchanged' | 'changed' | 'would-change' | 'error';
  changed: ServerInfo[];
  diff?: string;
  backup?: string;
  error?: string;
}

export interface ChangeOptions {
  dryRun?: boolean;
  only?: string[];
}

/**
 * protect / unprotect every config file of the given clients. Each file is handled on
 * its own: one that does not parse is reported and left untouched, the others go on.
 */
export function changeClients(action: 'protect' | 'unprotect', clients: ClientId[], ctx: ClientsContext, opts: ChangeOptions = {}): FileResult[] {
  const state = loadState(ctx.paths.clientsState);
  const launcher = action === 'protect' ? (ctx.launcher ?? defaultLauncher()) : undefined;
  const results: FileResult[] = [];
  for (const client of clients) {
    for (const loc of mcpConfigLocations(client, ctx.env, ctx.projectDir)) {
      results.push(changeFile(action, loc, ctx, state, launcher, opts));
    }
  }
  return results;
}

function changeFile(
  action: 'protect' | 'unprotect',
  loc: McpConfigLocation,
  ctx: ClientsContext,
  state: ReturnType<typeof loadState>,
  launcher: BelayLauncher | undefined,
  opts: ChangeOptions,
): FileResult {
  const base = { client: loc.client, path: loc.path };
  const before = readText(loc.path);
  if (before === undefined) return { ...base, outcome: 'missing', changed: [] };
  let plan: FilePlan;
  try {
    plan = action === 'protect' ? planProtect(loc, before, launcher!, { only: opts.only }) : planUnprotect(loc, before, state, { only: opts.only });
  } catch (err) {
    if (err instanceof ConfigParseError) return { ...base, outcome: 'error', changed: [], error: err.message };
    throw err;
  }
  if (plan.text === before) return { ...base, outcome: 'unchanged', changed: plan.changed };
  const diff = createTwoFilesPatch(loc.path, loc.path, before, plan.text, 'before', `after belay clients ${action}`);
  if (opts.dryRun) return { ...base, outcome: 'would-change', changed: plan.changed, diff };

  const backup = backupFile(loc.path, ctx.paths.backups);
  // Order matters for a crash in between: protect records before it writes (a record
  // without a wrapped entry is harmless); unprotect writes before it forgets.
  if (action === 'protect') {
    Object.assign(state.protected, plan.add);
    saveState(ctx.paths.clientsState, state);
    writeFileAtomic(loc.path, plan.text);
  } else {
    writeFileAtomic(loc.path, plan.text);
    for (const key of plan.drop) delete state.protected[key];
    saveState(ctx.paths.clientsState, state);
  }
  return { ...base, outcome: 'changed', changed: plan.changed, diff, backup };
}
