import { applyEdits, findNodeAtLocation, getNodeValue, type Edit } from 'jsonc-parser';
import { isDeepStrictEqual } from 'node:util';
import { modifyText, parseJsonc } from './jsonc-doc.js';
import { EMPTY_SETTINGS } from './setup-editors.js';
import { sha256, type SetupFileRecord } from './state.js';

/** One edit that turns `after` back into `before`: the changed middle, common prefix and suffix left alone. */
export function minimalInverse(before: string, after: string): Edit[] {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before[start] === after[start]) start++;
  let end = 0;
  while (end < max - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return [{ offset: start, length: after.length - start - end, content: before.slice(start, before.length - end) }];
}

export interface UndoneFile {
  /** The file's text after undo; undefined: delete it. */
  text: string | undefined;
  /** Something the user should know (a setting they changed since was left alone). */
  notes: string[];
}

/**
 * What a file looks like with Belay's setup taken back. Untouched since setup: the
 * recorded inverse edits give back the exact original bytes. Edited since: only Belay's
 * own part is taken out (a key still holding Belay's value, the block or flags it added)
 * and the user's edits stay.
 */
export function undoFile(rec: SetupFileRecord, current: string | undefined): UndoneFile {
  if (current === undefined) return { text: undefined, notes: [`${rec.file} is gone; nothing to undo there`] };
  if (sha256(current) === rec.afterHash) {
    const text = rec.undo.reduce((t, group) => applyEdits(t, group), current);
    return { text: rec.created && isEmptyShell(rec, text) ? undefined : text, notes: [] };
  }
  const notes: string[] = [];
  let text = current;
  if (rec.kind === 'json-settings') {
    try {
      for (const s of rec.settings ?? []) {
        const doc = parseJsonc(rec.file, text);
        const node = doc.root ? findNodeAtLocation(doc.root, s.at) : undefined;
        if (!node) continue;
        if (!isDeepStrictEqual(getNodeValue(node), s.written)) {
          notes.push(`${rec.file}: left "${s.at.join('.')}" as it is (changed since setup)`);
          continue;
        }
        text = modifyText(text, s.at, s.existed ? s.previous : undefined).text;
      }
    } catch (err) {
      return { text: current, notes: [(err as Error).message] };
    }
  } else {
    for (const added of rec.added ?? []) {
      const at = text.lastIndexOf(added);
      if (at >= 0) text = text.slice(0, at) + text.slice(at + added.length);
      else notes.push(`${rec.file}: Belay's ${rec.kind === 'shell-rc' ? 'block' : 'launch flags'} were edited since setup; remove what is left of them by hand`);
    }
  }
  return { text: rec.created && isEmptyShell(rec, text) ? undefined : text, notes };
}

/** A file Belay created that holds nothing of the user's any more. */
function isEmptyShell(rec: SetupFileRecord, text: string): boolean {
  if (text.trim() === '') return true;
  if (rec.kind === 'json-settings') {
    if (text === EMPTY_SETTINGS) return true;
    try {
      const v = parseJsonc(rec.file, text).value;
      return typeof v === 'object' && v !== null && Object.keys(v).length === 0 && !/\/[/*]/.test(text);
    } catch {
      return false;
    }
  }
  return false;
}
