import { existsSync, readFileSync } from 'node:fs';
import type { DoctorCheck, DoctorClient, DoctorResponse } from '../../shared/api.js';
import type { AuditEvent } from '../../shared/events.js';
import { AuditLog } from '../audit/audit-log.js';
import type { BelayPaths } from '../paths.js';
import { caTrust, type TrustOptions } from '../trust/install.js';
import { caIdentity } from '../trust/types.js';
import { parseJsonc } from './jsonc-doc.js';
import { clientInstallMarkers, type ClientEnv } from './locations.js';
import { scanClient } from './manage.js';
import { findDesktopEntry, launchFlags } from './setup-desktop.js';
import { editorSettings, editorSettingsFile } from './setup-editors.js';
import { claudeCodeEnvironment } from './setup-shell.js';
import { proxyUrl, type SetupContext } from './setup-types.js';
import { loadState, type ClientsState } from './state.js';
import { CLIENT_IDS, CLIENT_NAMES, type ClientId } from './types.js';

export interface DoctorContext {
  env: ClientEnv;
  paths: BelayPaths;
  port: number;
  /**
   * The environment a terminal gives Claude Code: the CLI passes its own. The engine
   * passes none (its environment says nothing about the user's terminals).
   */
  shellEnv?: NodeJS.ProcessEnv;
  /** Which clients (default all). */
  clients?: ClientId[];
  now?: number;
  /** "Recently" for the traffic check (default 24 h). */
  recentMs?: number;
  /** Trust store access (tests point it at temp stores). */
  trust?: Partial<TrustOptions>;
  /** The newest event from a client since a time; default: the audit database in the data folder. */
  lastEvent?: (client: ClientId, sinceMs: number) => AuditEvent | undefined;
}

const DAY = 24 * 60 * 60 * 1000;

/** A check failed that means the client is not fully guarded (not installed is not a problem). */
export function hasProblem(c: DoctorClient): boolean {
  return c.checks.some((k) => k.level === 'error');
}

function ok(id: string, message: string): DoctorCheck {
  return { id, ok: true, level: 'ok', message };
}
function warn(id: string, message: string, fix?: string, fixable = false): DoctorCheck {
  return { id, ok: false, level: 'warn', message, ...(fix ? { fix } : {}), ...(fixable ? { fixable } : {}) };
}
function problem(id: string, message: string, fix?: string, fixable = false): DoctorCheck {
  return { id, ok: false, level: 'error', message, ...(fix ? { fix } : {}), ...(fixable ? { fixable } : {}) };
}

/**
 * `belay doctor`: for each client, is it installed, is its traffic routed through Belay,
 * does it trust Belay's CA, has Belay seen it lately, are its MCP servers guarded: each
 * problem with the one command that fixes it. Reads only; never changes anything.
 */
export function runDoctor(ctx: DoctorContext): DoctorResponse {
  const state = safeState(ctx.paths);
  const setupCtx: SetupContext = { env: ctx.env, paths: ctx.paths, port: ctx.port };
  const trust = lazy(() => caTrustState(ctx));
  // The audit log only when it exists: doctor never creates Belay's database.
  const log = !ctx.lastEvent && existsSync(ctx.paths.database) ? AuditLog.open(ctx.paths.database) : undefined;
  const lastEvent = ctx.lastEvent ?? ((client: ClientId, sinceMs: number) => log?.query({ client, sinceTime: sinceMs, limit: 1 })[0]);
  const now = ctx.now ?? Date.now();
  try {
    return { clients: (ctx.clients ?? [...CLIENT_IDS]).map((client) => checkClient(client, ctx, state, setupCtx, trust, lastEvent, now)) };
  } finally {
    log?.close();
  }
}

function checkClient(
  client: ClientId,
  ctx: DoctorContext,
  state: { value: ClientsState; error?: string },
  setupCtx: SetupContext,
  trust: () => TrustState,
  lastEvent: NonNullable<DoctorContext['lastEvent']>,
  now: number,
): DoctorClient {
  const name = CLIENT_NAMES[client];
  const markers = clientInstallMarkers(client, ctx.env);
  if (!markers.some((m) => existsSync(m))) {
    return { client, name, installed: false, protected: false, checks: [warn('installed', `${name} is not installed for this user (looked for ${markers.join(', ')}).`)] };
  }
  const routing = routingCheck(client, setupCtx, state.value, ctx.shellEnv);
  const checks = [ok('installed', `${name} is installed.`), routing, caCheck(client, setupCtx, state.value, ctx.shellEnv, trust), trafficCheck(client, now, ctx.recentMs ?? DAY, lastEvent, routing), mcpCheck(client, ctx)];
  if (state.error) checks.push(problem('state', state.error));
  const c: DoctorClient = { client, name, installed: true, protected: false, checks };
  c.protected = !hasProblem(c);
  return c;
}

function safeState(paths: BelayPaths): { value: ClientsState; error?: string } {
  try {
    return { value: loadState(paths.clientsState) };
  } catch (err) {
    return { value: { version: 1, protected: {}, setup: {} }, error: (err as Error).message };
  }
}

function lazy<T>(fn: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: fn() }).v;
}

// ---------------------------------------------------------------- routing

function routingCheck(client: ClientId, ctx: SetupContext, state: ClientsState, shellEnv?: NodeJS.ProcessEnv): DoctorCheck {
  const name = CLIENT_NAMES[client];
  const fix = `belay setup ${client}`;
  switch (client) {
    case 'cursor':
    case 'vscode': {
      const file = editorSettingsFile(client, ctx);
      if (!existsSync(file)) return problem('routing', `${name}'s settings.json (${file}) does not send traffic through Belay.`, fix, true);
      let value: Record<string, unknown>;
      try {
        value = parseJsonc(file, readFileSync(file, 'utf8')).value as Record<string, unknown>;
      } catch (err) {
        return problem('routing', `${(err as Error).message}`);
      }
      const wrong = editorSettings(client, ctx)
        .filter(([at, want]) => value[at[0] as string] !== want)
        .map(([at, want]) => `"${at[0]}" is ${JSON.stringify(value[at[0] as string]) ?? 'not set'}, should be ${JSON.stringify(want)}`);
      return wrong.length ? problem('routing', `${name} does not send its traffic through Belay: ${wrong.join('; ')}.`, fix, true) : ok('routing', `${name} sends its traffic to Belay (${proxyUrl(ctx)}).`);
    }
    case 'claude-code': {
      const proxy = envValue(shellEnv, 'HTTPS_PROXY');
      if (proxy && sameProxy(proxy, proxyUrl(ctx))) return ok('routing', `This terminal's HTTPS_PROXY sends Claude Code to Belay (${proxy}).`);
      const rc = rcFilesWith(state, `'${proxyUrl(ctx)}'`);
      if (rc.length) return ok('routing', `New terminals get HTTPS_PROXY=${proxyUrl(ctx)} from ${rc.join(', ')}.`);
      const now = proxy ? `HTTPS_PROXY is ${proxy}, not Belay (${proxyUrl(ctx)})` : 'HTTPS_PROXY is not set for Claude Code';
      return problem('routing', `${now}.`, 'belay setup claude-code --write-shell-rc', true);
    }
    case 'claude-desktop':
    case 'windsurf': {
      if (ctx.env.platform !== 'linux') {
        return warn('routing', `Belay cannot see how ${name} is started here: start it with ${launchFlags(ctx)} or set the system proxy (the command shows how).`, fix);
      }
      const flags = launchFlags(ctx);
      const entry = state.setup[client]?.files.find((f) => f.kind === 'desktop-entry' && existsSync(f.file) && readFileSync(f.file, 'utf8').includes(flags));
      if (entry) return ok('routing', `${name}'s launcher (${entry.file}) starts it with ${flags}.`);
      const found = findDesktopEntry(client, ctx);
      return problem('routing', found ? `${name}'s launcher (${found}) starts it without Belay's proxy flags.` : `No launcher entry for ${name} was found; start it with ${flags}.`, fix, Boolean(found));
    }
  }
}

function envValue(env: NodeJS.ProcessEnv | undefined, name: string): string | undefined {
  return env?.[name] || env?.[name.toLowerCase()] || undefined;
}

function sameProxy(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/\/+$/, '').replace('://localhost:', '://127.0.0.1:');
  return norm(a) === norm(b);
}

/** Shell startup files Belay wrote that still hold `needle`. */
function rcFilesWith(state: ClientsState, needle: string): string[] {
  return (state.setup['claude-code']?.files ?? []).filter((f) => f.kind === 'shell-rc' && existsSync(f.file) && readFileSync(f.file, 'utf8').includes(needle)).map((f) => f.file);
}

// ---------------------------------------------------------------- trust

interface TrustState {
  /** Why trust cannot be checked at all (no CA yet). */
  error?: string;
  stores: { store: string; trusted: boolean | undefined }[];
}

function caTrustState(ctx: DoctorContext): TrustState {
  if (!existsSync(ctx.paths.caCert)) return { error: `Belay's CA does not exist yet (${ctx.paths.caCert}).`, stores: [] };
  try {
    return { stores: caTrust(caIdentity(ctx.paths.caCert), { home: ctx.env.home, platform: ctx.env.platform, ...ctx.trust }) };
  } catch (err) {
    return { error: (err as Error).message, stores: [] };
  }
}

function caCheck(client: ClientId, ctx: SetupContext, state: ClientsState, shellEnv: NodeJS.ProcessEnv | undefined, trust: () => TrustState): DoctorCheck {
  const name = CLIENT_NAMES[client];
  if (client === 'claude-code') {
    if (!existsSync(ctx.paths.caCert)) return problem('ca', `Belay's CA does not exist yet (${ctx.paths.caCert}).`, 'belay ca install');
    // Claude Code is Node: it trusts what NODE_EXTRA_CA_CERTS names, whatever the OS store holds.
    if (envValue(shellEnv, 'NODE_EXTRA_CA_CERTS') === ctx.paths.caCert) return ok('ca', "This terminal's NODE_EXTRA_CA_CERTS points Claude Code at Belay's CA.");
    const caVar = claudeCodeEnvironment(ctx).find(([k]) => k === 'NODE_EXTRA_CA_CERTS');
    if (caVar && rcFilesWith(state, caVar[1]).length) return ok('ca', "New terminals get NODE_EXTRA_CA_CERTS for Belay's CA from the shell startup file.");
    return problem('ca', "NODE_EXTRA_CA_CERTS does not name Belay's CA, so Claude Code would refuse Belay's certificates.", 'belay setup claude-code --write-shell-rc', true);
  }
  const t = trust();
  if (t.error) return problem('ca', t.error, 'belay ca install');
  // Electron apps on Linux read the NSS shared db; on macOS and Windows the one user store.
  const store = t.stores[0];
  const fix = ctx.env.platform === 'linux' ? 'belay ca install --store nss' : 'belay ca install';
  if (!store) return warn('ca', 'No trust store to check on this system.');
  if (store.trusted === true) return ok('ca', `${name} trusts Belay's CA (${store.store}).`);
  if (store.trusted === undefined) return warn('ca', `Cannot tell whether ${store.store} trusts Belay's CA: certutil is not installed.`, 'sudo apt-get install libnss3-tools');
  return problem('ca', `${store.store} does not trust Belay's CA, so ${name} would refuse Belay's certificates.`, fix, true);
}

// ---------------------------------------------------------------- traffic

function trafficCheck(client: ClientId, now: number, recentMs: number, lastEvent: NonNullable<DoctorContext['lastEvent']>, routing: DoctorCheck): DoctorCheck {
  const name = CLIENT_NAMES[client];
  let last: AuditEvent | undefined;
  try {
    last = lastEvent(client, now - recentMs);
  } catch (err) {
    return warn('traffic', `Could not read the audit log: ${(err as Error).message}`);
  }
  const hours = Math.round(recentMs / 3_600_000);
  if (last) return ok('traffic', `Belay saw ${name} ${ago(now - Date.parse(last.time))} (${last.type}${last.tool ? ` ${last.tool}` : last.host ? ` ${last.host}` : ''}).`);
  return warn('traffic', `Belay has seen no traffic from ${name} in the last ${hours} h.${routing.ok ? ` Restart ${name} and use it once.` : ''}`, routing.ok ? undefined : routing.fix);
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

// ---------------------------------------------------------------- MCP servers

function mcpCheck(client: ClientId, ctx: DoctorContext): DoctorCheck {
  const files = scanClient(client, { env: ctx.env, paths: ctx.paths });
  const broken = files.filter((f) => f.error);
  if (broken.length) return problem('mcp', broken.map((f) => f.error).join(' '));
  const stdio = files.flatMap((f) => f.servers).filter((s) => s.transport === 'stdio');
  const stale = stdio.filter((s) => s.protected && s.stale);
  const open = stdio.filter((s) => !s.protected);
  if (stale.length) return problem('mcp', `MCP server(s) ${stale.map((s) => s.name).join(', ')} point at a Belay or node that moved (${stale[0].stale}).`, `belay clients unprotect ${client} && belay clients protect ${client}`);
  if (open.length) return problem('mcp', `${open.length} MCP server(s) run without Belay: ${open.map((s) => s.name).join(', ')}.`, `belay clients protect ${client}`, true);
  if (stdio.length === 0) return ok('mcp', 'No local (stdio) MCP servers configured.');
  return ok('mcp', `All ${stdio.length} local MCP server(s) run through belay mcp-wrap.`);
}
