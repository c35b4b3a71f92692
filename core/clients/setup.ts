import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { createTwoFilesPatch } from 'diff';
import { ConfigParseError } from './jsonc-doc.js';
import { planDesktopApp } from './setup-desktop.js';
import { planEditor } from './setup-editors.js';
import { planClaudeCode } from './setup-shell.js';
import type { ClientPlan, PlannedFile, SetupContext, SetupOptions } from './setup-types.js';
import { undoFile } from './setup-undo.js';
import { backupFile, writeFileAtomic } from './safe-write.js';
import { loadState, saveState, type SetupFileRecord, type SetupRecord } from './state.js';
import type { ClientId } from './types.js';

export interface SetupFileResult {
  file: string;
  outcome: 'created' | 'changed' | 'removed' | 'unchanged' | 'would-change' | 'error';
  diff?: string;
  backup?: string;
  error?: string;
}

export interface SetupResult {
  client: ClientId;
  action: 'setup' | 'undo';
  files: SetupFileResult[];
  instructions: string[];
  works: string[];
  limits: string[];
  notes: string[];
}

function readText(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function planFor(client: ClientId, ctx: SetupContext, read: (f: string) => string | undefined, opts: SetupOptions): ClientPlan {
  switch (client) {
    case 'cursor':
    case 'vscode':
      return planEditor(client, ctx, read);
    case 'claude-code':
      return planClaudeCode(ctx, read, opts);
    case 'claude-desktop':
    case 'windsurf':
      return planDesktopApp(client, ctx, read);
  }
}

/**
 * `belay setup CLIENT [--undo]`: the settings that send the client's traffic through
 * Belay, each file backed up and replaced atomically, and what Belay changed recorded in
 * the clients sidecar so `--undo` restores the previous bytes (or, after the user edited
 * the file, takes out only Belay's part). Running setup again re-plans from the state
 * before Belay's earlier change, so a new proxy port replaces the old one cleanly.
 */
export function runSetup(client: ClientId, ctx: SetupContext, opts: SetupOptions = {}): SetupResult {
  const state = loadState(ctx.paths.clientsState);
  const prior = state.setup[client];
  const result: SetupResult = { client, action: opts.undo ? 'undo' : 'setup', files: [], instructions: [], works: [], limits: [], notes: [] };

  if (opts.undo) {
    if (!prior || prior.files.length === 0) {
      result.notes.push(`Belay has not changed any file for ${client}: nothing to undo.`);
      if (client === 'claude-code') result.instructions.push('For the current terminal: eval "$(belay env --unset)"');
      return result;
    }
    const planned = prior.files.map((rec): PlannedFile => {
      const before = readText(rec.file);
      const undone = undoFile(rec, before);
      result.notes.push(...undone.notes);
      return { file: rec.file, before, after: undone.text };
    });
    result.files = commit(planned, ctx, opts, () => {
      delete state.setup[client];
      saveState(ctx.paths.clientsState, state);
    }, 'after belay setup --undo');
    if (client === 'claude-code') result.instructions.push('Open a new terminal (or run: eval "$(belay env --unset)") so the variables are gone.');
    return result;
  }

  // Plan from what the files held before Belay's earlier setup, so a re-run never records Belay's own values as "previous".
  const priorByFile = new Map((prior?.files ?? []).map((r) => [r.file, r] as const));
  const read = (file: string) => {
    const text = readText(file);
    const rec = priorByFile.get(file);
    return rec ? undoFile(rec, text).text : text;
  };
  let plan: ClientPlan;
  try {
    plan = planFor(client, ctx, read, opts);
  } catch (err) {
    // A settings file that does not parse (left untouched), a launcher entry Belay cannot change safely.
    result.files.push({ file: err instanceof ConfigParseError ? err.file : '', outcome: 'error', error: (err as Error).message });
    return result;
  }
  Object.assign(result, { instructions: plan.instructions, works: plan.works, limits: plan.limits, notes: plan.notes ?? [] });
  // `before` on disk is what the user has now (Belay's earlier change included), for the diff and the write.
  const planned = plan.files.map((p) => ({ ...p, before: readText(p.file) }));
  const records: SetupFileRecord[] = [
    ...(prior?.files ?? []).filter((r) => !planned.some((p) => p.file === r.file)),
    ...planned.flatMap((p) => (p.record ? [p.record] : [])),
  ];
  result.files = commit(planned, ctx, opts, () => {
    if (records.length) state.setup[client] = { client, port: ctx.port, files: records, at: new Date().toISOString() } satisfies SetupRecord;
    else delete state.setup[client];
    saveState(ctx.paths.clientsState, state);
  }, `after belay setup ${client}`);
  return result;
}

/**
 * Writes the planned files (backup first) and the state. Setup records before it writes
 * (a record for an unwritten file undoes to the same bytes); undo writes before it forgets.
 */
function commit(planned: PlannedFile[], ctx: SetupContext, opts: SetupOptions, saveRecord: () => void, label: string): SetupFileResult[] {
  const changing = planned.filter((p) => p.after !== p.before);
  const results: SetupFileResult[] = planned
    .filter((p) => p.after === p.before)
    .map((p) => ({ file: p.file, outcome: 'unchanged' as const }));
  const diffs = new Map(changing.map((p) => [p.file, createTwoFilesPatch(p.file, p.file, p.before ?? '', p.after ?? '', p.before === undefined ? '(new file)' : 'before', p.after === undefined ? '(deleted)' : label)]));
  if (opts.dryRun) return [...results, ...changing.map((p) => ({ file: p.file, outcome: 'would-change' as const, diff: diffs.get(p.file) }))];
  if (changing.length === 0) return results;
  const isUndo = label.includes('--undo');
  if (!isUndo) saveRecord();
  for (const p of changing) {
    try {
      const backup = backupFile(p.file, ctx.paths.backups);
      if (p.after === undefined) unlinkSync(p.file);
      else writeFileAtomic(p.file, p.after, p.mode ?? 0o600);
      results.push({ file: p.file, outcome: p.after === undefined ? 'removed' : p.before === undefined ? 'created' : 'changed', diff: diffs.get(p.file), ...(backup ? { backup } : {}) });
    } catch (err) {
      results.push({ file: p.file, outcome: 'error', error: `${p.file}: ${(err as Error).message}` });
    }
  }
  if (isUndo && !results.some((r) => r.outcome === 'error')) saveRecord();
  return results;
}
