import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { McpTool } from './tool.js';

/**
 * A tool's pin: sha256 over the canonical form of what a model reads and what decides
 * what a call can do: description, input schema and annotations. Key order never
 * changes a pin; any change of meaning does (the "rug pull" check compares pins).
 */
export function toolPin(tool: Pick<McpTool, 'description' | 'inputSchema' | 'annotations'>): string {
  const canonical = canonicalJson({
    description: tool.description ?? '',
    inputSchema: tool.inputSchema ?? {},
    annotations: tool.annotations ?? {},
  });
  return createHash('sha256').update(canonical).digest('hex');
}

const MAX_LINE = 200;
const MAX_DIFF_LINES = 40;

/**
 * A short, readable account of how a tool changed, for the human and the audit log:
 * description lines removed/added, schema properties added/removed/changed, hints changed.
 */
export function diffTools(before: Partial<McpTool>, after: Partial<McpTool>): string {
  const lines: string[] = [];

  const oldDesc = before.description ?? '';
  const newDesc = after.description ?? '';
  if (oldDesc !== newDesc) {
    lines.push('description changed:');
    const oldLines = oldDesc.split(/\r?\n/);
    const newLines = newDesc.split(/\r?\n/);
    const oldSet = new Set(oldLines);
    const newSet = new Set(newLines);
    for (const l of oldLines) if (!newSet.has(l)) lines.push(`  - ${clip(l)}`);
    for (const l of newLines) if (!oldSet.has(l)) lines.push(`  + ${clip(l)}`);
  }

  const oldSchema = asObject(before.inputSchema);
  const newSchema = asObject(after.inputSchema);
  if (canonicalJson(oldSchema) !== canonicalJson(newSchema)) {
    const parts: string[] = [];
    const oldProps = asObject(oldSchema.properties);
    const newProps = asObject(newSchema.properties);
    const added = Object.keys(newProps).filter((k) => !(k in oldProps));
    const removed = Object.keys(oldProps).filter((k) => !(k in newProps));
    const changed = Object.keys(newProps).filter((k) => k in oldProps && canonicalJson(oldProps[k]) !== canonicalJson(newProps[k]));
    if (added.length) parts.push(`  added properties: ${added.map(clipName).join(', ')}`);
    if (removed.length) parts.push(`  removed properties: ${removed.map(clipName).join(', ')}`);
    for (const k of changed) parts.push(`  changed property ${clipName(k)}: ${clip(canonicalJson(oldProps[k]), 80)} → ${clip(canonicalJson(newProps[k]), 80)}`);
    const oldReq = stringArray(oldSchema.required);
    const newReq = stringArray(newSchema.required);
    const reqAdded = newReq.filter((k) => !oldReq.includes(k));
    const reqRemoved = oldReq.filter((k) => !newReq.includes(k));
    if (reqAdded.length) parts.push(`  now required: ${reqAdded.map(clipName).join(', ')}`);
    if (reqRemoved.length) parts.push(`  no longer required: ${reqRemoved.map(clipName).join(', ')}`);
    const rest = (s: Record<string, unknown>) => canonicalJson({ ...s, properties: undefined, required: undefined });
    if (rest(oldSchema) !== rest(newSchema)) parts.push('  other schema fields changed');
    lines.push('input schema changed:', ...parts);
  }

  const oldAnn = asObject(before.annotations);
  const newAnn = asObject(after.annotations);
  const keys = [...new Set([...Object.keys(oldAnn), ...Object.keys(newAnn)])].sort();
  for (const k of keys) {
    const o = canonicalJson(oldAnn[k]);
    const n = canonicalJson(newAnn[k]);
    if (o !== n) lines.push(`annotation ${clipName(k)}: ${oldAnn[k] === undefined ? '(unset)' : clip(o, 60)} → ${newAnn[k] === undefined ? '(unset)' : clip(n, 60)}`);
  }

  if (lines.length === 0) return 'no change';
  if (lines.length > MAX_DIFF_LINES) return [...lines.slice(0, MAX_DIFF_LINES), `… ${lines.length - MAX_DIFF_LINES} more lines`].join('\n');
  return lines.join('\n');
}

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function stringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Control characters would let a description rewrite the terminal that shows the diff, and
 * invisible ones (zero-width, bidi, Unicode tags) are how poisoned descriptions hide text:
 * both are shown as escapes so the human sees them.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u{e0000}-\u{e007f}]/gu;

function clip(s: string, max = MAX_LINE): string {
  const safe = s.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
  return safe.length > max ? `${safe.slice(0, max)}…` : safe;
}

function clipName(s: string): string {
  return clip(s, 60);
}
