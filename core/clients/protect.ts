import { getNodeValue } from 'jsonc-parser';
import type { Edit } from 'jsonc-parser';
import { applyRelativeEdits, inverseEdits, modifyText, nodeAt, nodeText, parseJsonc } from './jsonc-doc.js';
import { listServers } from './servers.js';
import { protectKey, sha256, type ClientsState, type ProtectRecord } from './state.js';
import type { JsonPath, McpConfigLocation, ServerInfo } from './types.js';
import { parseWrapped, wrapCommand, type BelayLauncher } from './wrapper.js';

/** The outcome of planning one file: its new text and what changed, nothing written yet. */
export interface FilePlan {
  text: string;
  changed: ServerInfo[];
  /** Records to add to the state (protect) and keys to drop (unprotect). */
  add: Record<string, ProtectRecord>;
  drop: string[];
}

export interface PlanOptions {
  /** Only these server names (default: every stdio server in the file). */
  only?: string[];
}

function entryPath(s: ServerInfo): JsonPath {
  return [...s.container, s.name];
}

/**
 * Rewrites each unprotected stdio server so the client starts `belay mcp-wrap … -- <original>`.
 * Only `command` and `args` change (name, env, cwd, type and unknown fields stay as they
 * are), and the exact edits are recorded so unprotect can undo them byte for byte.
 * Protected entries are left alone, so running it twice changes nothing the second time.
 */
export function planProtect(loc: McpConfigLocation, text: string, launcher: BelayLauncher, opts: PlanOptions = {}): FilePlan {
  const plan: FilePlan = { text, changed: [], add: {}, drop: [] };
  const targets = listServers(loc, parseJsonc(loc.path, text)).filter(
    (s) => s.transport === 'stdio' && !s.protected && s.command !== undefined && (!opts.only || opts.only.includes(s.name)),
  );
  for (const server of targets) {
    const at = entryPath(server);
    const before = parseJsonc(loc.path, plan.text);
    const node = nodeAt(before, at);
    if (!node || node.type !== 'object') continue;
    const entry = getNodeValue(node) as { command: string; args?: unknown };
    const hadArgs = entry.args !== undefined;
    const originalArgs = Array.isArray(entry.args) ? entry.args.map(argText) : [];
    const wrapped = wrapCommand(launcher, server.name, loc.client, entry.command, originalArgs);

    const undo: Edit[][] = [];
    let current = plan.text;
    for (const [key, value] of [['command', wrapped.command], ['args', wrapped.args]] as const) {
      const step = modifyText(current, [...at, key], value);
      undo.unshift(inverseEdits(current, step.edits, node.offset));
      current = step.text;
    }
    const after = nodeAt(parseJsonc(loc.path, current), at)!;
    plan.add[protectKey(loc.path, server.container, server.name)] = {
      file: loc.path,
      container: server.container,
      name: server.name,
      client: loc.client,
      protectedHash: sha256(nodeText(current, after)),
      originalHash: sha256(nodeText(plan.text, node)),
      undo,
      hadArgs,
      at: new Date().toISOString(),
    };
    plan.text = current;
    plan.changed.push(server);
  }
  return plan;
}

/**
 * Puts back the original `command` and `args` of each protected entry. When the entry is
 * exactly as protect left it, the recorded edits are undone and the file is byte-identical
 * to before; if the user edited it since (or the state file is gone), the original command
 * is taken from after `--` in the wrapper and the user's other edits are kept.
 */
export function planUnprotect(loc: McpConfigLocation, text: string, state: ClientsState, opts: PlanOptions = {}): FilePlan {
  const plan: FilePlan = { text, changed: [], add: {}, drop: [] };
  const targets = listServers(loc, parseJsonc(loc.path, text)).filter((s) => s.transport === 'stdio' && s.protected && (!opts.only || opts.only.includes(s.name)));
  for (const server of targets) {
    const at = entryPath(server);
    const key = protectKey(loc.path, server.container, server.name);
    const record = state.protected[key];
    const doc = parseJsonc(loc.path, plan.text);
    const node = nodeAt(doc, at);
    if (!node || node.type !== 'object') continue;
    plan.text = (record && exactUndo(loc.path, plan.text, node.offset, at, record)) ?? semanticUndo(plan.text, at, getNodeValue(node), record);
    plan.drop.push(key);
    plan.changed.push(server);
  }
  return plan;
}

function exactUndo(file: string, text: string, base: number, at: JsonPath, record: ProtectRecord): string | undefined {
  const node = nodeAt(parseJsonc(file, text), at)!;
  if (sha256(nodeText(text, node)) !== record.protectedHash) return undefined;
  let current = text;
  for (const group of record.undo) current = applyRelativeEdits(current, group, base);
  const restored = nodeAt(parseJsonc(file, current), at);
  // A mismatch would mean the record does not belong to this entry: fall back rather than guess.
  return restored && sha256(nodeText(current, restored)) === record.originalHash ? current : undefined;
}

function semanticUndo(text: string, at: JsonPath, entry: { command?: unknown; args?: unknown }, record: ProtectRecord | undefined): string {
  const wrapped = parseWrapped(entry.command, entry.args);
  if (!wrapped) return text;
  let current = modifyText(text, [...at, 'command'], wrapped.command).text;
  const keepArgs = record ? record.hadArgs || wrapped.args.length > 0 : wrapped.args.length > 0;
  current = modifyText(current, [...at, 'args'], keepArgs ? wrapped.args : undefined).text;
  return current;
}

/** An argument as the client would pass it; a non-string (invalid in a config, but seen) as its JSON. */
function argText(a: unknown): string {
  return typeof a === 'string' ? a : JSON.stringify(a) ?? String(a);
}
