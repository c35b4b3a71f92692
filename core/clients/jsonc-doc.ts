import { applyEdits, findNodeAtLocation, getNodeValue, modify, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Edit, FormattingOptions, Node, ParseError } from 'jsonc-parser';
import type { JsonPath } from './types.js';

/** A config file that is not valid JSON/JSONC: we never write to it, and say where it breaks. */
export class ConfigParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}:${column}: cannot parse (${problem}). Belay left the file untouched; fix it (or restore a backup) and try again.`);
  }
}

const PARSE_OPTIONS = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true };

/** A parsed JSONC document that remembers its exact text, so edits touch only what they change. */
export interface JsoncDoc {
  file: string;
  text: string;
  root: Node | undefined;
  value: unknown;
}

export function parseJsonc(file: string, text: string): JsoncDoc {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, PARSE_OPTIONS);
  if (errors.length > 0) {
    const { line, column } = lineColumn(text, errors[0].offset);
    throw new ConfigParseError(file, line, column, printParseErrorCode(errors[0].error));
  }
  if (root && root.type !== 'object') {
    const { line, column } = lineColumn(text, root.offset);
    throw new ConfigParseError(file, line, column, `the top level is ${root.type === 'array' ? 'an array' : `a ${root.type}`}, expected an object`);
  }
  return { file, text, root, value: root ? getNodeValue(root) : {} };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

export function nodeAt(doc: JsoncDoc, at: JsonPath): Node | undefined {
  return doc.root ? findNodeAtLocation(doc.root, at) : undefined;
}

/** Matches the file's own indentation and line endings so a modified file still looks hand-written. */
export function formattingOf(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /\n([ \t]+)\S/.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indent ? indent.length : 2, eol };
}

/** Sets (or with `undefined`, removes) one value, keeping comments and formatting elsewhere. */
export function modifyText(text: string, at: JsonPath, value: unknown): { text: string; edits: Edit[] } {
  const edits = modify(text, at, value, { formattingOptions: formattingOf(text) });
  return { text: applyEdits(text, edits), edits };
}

/**
 * The edits that undo `edits` once they have been applied to `before`, with offsets made
 * relative to `base` (the start of the entry they touched, which edits inside it never move).
 */
export function inverseEdits(before: string, edits: Edit[], base: number): Edit[] {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  const inverse: Edit[] = [];
  let delta = 0;
  for (const e of sorted) {
    inverse.push({ offset: e.offset + delta - base, length: e.content.length, content: before.slice(e.offset, e.offset + e.length) });
    delta += e.content.length - e.length;
  }
  return inverse;
}

export function applyRelativeEdits(text: string, edits: Edit[], base: number): string {
  return applyEdits(
    text,
    edits.map((e) => ({ ...e, offset: e.offset + base })),
  );
}

export function nodeText(text: string, node: Node): string {
  return text.slice(node.offset, node.offset + node.length);
}
