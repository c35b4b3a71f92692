import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Edit } from 'jsonc-parser';
import { writeFileAtomic } from './safe-write.js';
import type { ClientId, JsonPath } from './types.js';

/**
 * What Belay changed in client configs, kept in the data folder (a sidecar) rather than
 * inside the entries: clients validate their own files (VS Code warns on unknown keys,
 * the Claude Desktop MSIX build drops them), and a sidecar lets unprotect restore the
 * exact original bytes. The entries stay self-describing anyway (the original command
 * follows `--`), so losing this file only loses byte-exactness, never the server.
 *
 * It records hashes and the small text pieces Belay replaced (the old `command` and
 * `args` values, the old proxy settings), never whole entries, so `env` blocks with API
 * keys are not copied here. 0600 all the same.
 */
export interface ProtectRecord {
  file: string;
  container: JsonPath;
  name: string;
  client: ClientId;
  /** sha256 of the entry's text right after protect; unprotect is byte-exact only if it still matches. */
  protectedHash: string;
  originalHash: string;
  /** Groups of edits, applied in order, relative to the entry's start offset. */
  undo: Edit[][];
  hadArgs: boolean;
  at: string;
}

/** One key Belay set in a JSON settings file, for a value-level undo when the file changed since. */
export interface SettingChange {
  at: JsonPath;
  existed: boolean;
  previous?: unknown;
  /** The value Belay wrote: undo restores `previous` only if the user has not changed it since. */
  written: unknown;
}

/** One file `belay setup` wrote, and how to take exactly that back. */
export interface SetupFileRecord {
  file: string;
  kind: 'json-settings' | 'shell-rc' | 'desktop-entry';
  /** Belay created the file: undo removes it when nothing but Belay's part was in it. */
  created: boolean;
  /** sha256 of the file right after setup: while it matches, undo is byte-exact. */
  afterHash: string;
  /** Inverse edit groups, applied in order (absolute offsets); they hold only the text Belay replaced. */
  undo: Edit[][];
  /** json-settings: keys and values, for undo after the user edited the file. */
  settings?: SettingChange[];
  /** shell-rc / desktop-entry: the exact text Belay added, for undo after the user edited the file. */
  added?: string[];
}

export interface SetupRecord {
  client: ClientId;
  /** Proxy port the settings point at. */
  port: number;
  files: SetupFileRecord[];
  at: string;
}

export interface ClientsState {
  version: 1;
  protected: Record<string, ProtectRecord>;
  setup: Partial<Record<ClientId, SetupRecord>>;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function protectKey(file: string, container: JsonPath, name: string): string {
  return JSON.stringify([path.resolve(file), container, name]);
}

export function loadState(file: string): ClientsState {
  if (!existsSync(file)) return { version: 1, protected: {}, setup: {} };
  let parsed: Partial<ClientsState>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClientsState>;
  } catch (err) {
    throw new Error(`${file} is damaged (${(err as Error).message}). Move it aside to continue; unprotect will then restore entries from their wrapped command instead of byte for byte.`);
  }
  return { version: 1, protected: parsed.protected ?? {}, setup: parsed.setup ?? {} };
}

export function saveState(file: string, state: ClientsState): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, 0o600);
}
