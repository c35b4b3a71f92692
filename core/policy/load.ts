import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { policySchema, type CompiledRule, type Policy } from './schema.js';

export interface PolicyError {
  line?: number;
  column?: number;
  message: string;
}

export type PolicyParseResult = { ok: true; policy: Policy; errors: [] } | { ok: false; errors: PolicyError[] };

/** Largest policy file accepted: policies are hand-written; a huge one is a mistake. */
export const MAX_POLICY_BYTES = 1024 * 1024;

/**
 * Parses and validates policy YAML. Errors carry the line and column of the offending
 * node (1-based) so `belay policy check` can print file:line:col like a compiler.
 */
export function parsePolicy(text: string, source = 'policy.yaml'): PolicyParseResult {
  if (text.length > MAX_POLICY_BYTES) return { ok: false, errors: [{ message: `The policy is larger than ${MAX_POLICY_BYTES} bytes.` }] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { line: pos?.line, column: pos?.col, message: e.message.split('\n')[0] };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    // An alias without its anchor, or an alias bomb: yaml throws while building the value.
    return { ok: false, errors: [{ message: `The policy could not be read: ${(err as Error).message}` }] };
  }
  if (data === null || data === undefined) return { ok: false, errors: [{ line: 1, column: 1, message: 'The policy is empty: it needs at least "version: 1".' }] };
  const parsed = policySchema.safeParse(data);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => issueToError(i, doc, lineCounter)) };

  const rules: CompiledRule[] = parsed.data.rules.map((rule, i) => {
    const node = doc.getIn(['rules', i], true) as Node | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    const args = rule.match?.arguments;
    const list = args === undefined ? [] : Array.isArray(args) ? args : [args];
    return {
      rule,
      label: rule.name ?? `rule ${i + 1}`,
      line,
      argumentRegexes: list.map((a) => ({ path: a.path, re: new RegExp(a.matches, 'i') })),
    };
  });
  return { ok: true, policy: { file: parsed.data, rules, source }, errors: [] };
}

function issueToError(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter): PolicyError {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const where = path.length ? formatPath(path) : '(top level)';
  let node: unknown;
  // Unknown keys: point at the key itself, not the object holding it.
  if (issue.code === 'unrecognized_keys') {
    const parent = path.length ? doc.getIn(path, true) : doc.contents;
    if (isMap(parent)) {
      const pair = parent.items.find((it) => isPair(it) && isScalar(it.key) && issue.keys.includes(String(it.key.value)));
      node = pair && isPair(pair) ? pair.key : parent;
    }
  }
  // Walk up to the nearest node that exists (a missing key has no node of its own).
  for (let n = path.length; node === undefined && n >= 0; n--) {
    node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
  }
  const range = (node as Node | undefined)?.range;
  const pos = range ? lc.linePos(range[0]) : undefined;
  return { line: pos?.line, column: pos?.col, message: `${where}: ${describe(issue)}` };
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

/** Formats errors like a compiler: file:line:col: message. */
export function formatPolicyErrors(file: string, errors: PolicyError[]): string {
  return errors.map((e) => (e.line ? `${file}:${e.line}:${e.column ?? 1}: ${e.message}` : `${file}: ${e.message}`)).join('\n');
}
