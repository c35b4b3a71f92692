import type { Finding, GuardAction, Severity } from '../pipeline/action.js';
import { globMatch } from './glob.js';
import type { CompiledRule, Policy, PolicyAction, PolicyMatch } from './schema.js';
import { toolLooks } from './tool-names.js';

export interface PolicyDecision {
  decision: PolicyAction;
  /** Label of the rule that matched, or "default". */
  rule: string;
  reason?: string;
  /** 1-based line of the rule in the policy file, when known. */
  line?: number;
}

const SEVERITY_ORDER: Severity[] = ['low', 'medium', 'high', 'critical'];
const atLeast = (s: Severity, min: Severity) => SEVERITY_ORDER.indexOf(s) >= SEVERITY_ORDER.indexOf(min);

/** Arguments beyond this length are matched on their first part only (user regexes may be slow). */
const MAX_ARG_MATCH_CHARS = 64 * 1024;

/** Reads "a.b[2].c" from parsed arguments. */
export function readPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function allStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (out.length > 2000 || depth > 12) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out, depth + 1);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) allStrings(v, out, depth + 1);
  return out;
}

function asText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_ARG_MATCH_CHARS ? s.slice(0, MAX_ARG_MATCH_CHARS) : s;
}

/**
 * Annotations are hints from an untrusted server: a rule that relies on one to call a
 * tool harmless (readOnlyHint: true, destructiveHint: false) does not apply when the
 * tool's name or the findings say otherwise.
 */
function lowersRisk(m: PolicyMatch): boolean {
  return m.annotations?.readOnlyHint === true || m.annotations?.destructiveHint === false;
}

export function ruleMatches(c: CompiledRule, action: GuardAction, findings: Finding[]): boolean {
  const m = c.rule.match ?? {};
  if (m.kind !== undefined && !(Array.isArray(m.kind) ? m.kind.includes(action.kind as never) : m.kind === action.kind)) return false;
  if (m.phase !== undefined && (action.phase ?? 'request') !== m.phase) return false;
  if (m.client !== undefined && !globMatch(action.client, m.client)) return false;
  if (m.server !== undefined && !globMatch(action.server, m.server)) return false;
  if (m.tool !== undefined && !globMatch(action.tool, m.tool)) return false;
  if (m.host !== undefined && !globMatch(action.host, m.host)) return false;
  if (m.toolLooks !== undefined && toolLooks(action.tool) !== m.toolLooks) return false;
  if (m.annotations !== undefined) {
    const a = action.annotations ?? {};
    for (const [k, want] of Object.entries(m.annotations)) {
      if (want !== undefined && (a as Record<string, unknown>)[k] !== want) return false;
    }
    if (c.rule.action === 'allow' && lowersRisk(m)) {
      if (toolLooks(action.tool) === 'risky') return false;
      if (findings.some((f) => atLeast(f.severity, 'medium'))) return false;
    }
  }
  for (const { path, re } of c.argumentRegexes) {
    const values = path === '*' ? allStrings(action.arguments) : [asText(readPath(action.arguments, path))];
    if (!values.some((v) => v !== undefined && re.test(v.length > MAX_ARG_MATCH_CHARS ? v.slice(0, MAX_ARG_MATCH_CHARS) : v))) return false;
  }
  if (m.findings !== undefined) {
    // Loops, not closures: every rule is tried against every action.
    const wanted = m.findings;
    let any = false;
    if (Array.isArray(wanted)) {
      for (const w of wanted) if ((any = someFindingMatches(findings, w))) break;
    } else {
      any = someFindingMatches(findings, wanted);
    }
    if (!any) return false;
  }
  return true;
}

type FindingMatch = Extract<NonNullable<PolicyMatch['findings']>, { detector?: unknown }>;

function someFindingMatches(findings: Finding[], w: FindingMatch): boolean {
  for (const f of findings) {
    if (
      (w.detector === undefined || globMatch(f.detector, w.detector)) &&
      (w.rule === undefined || globMatch(f.ruleId, w.rule)) &&
      (w.where === undefined || globMatch(f.where, w.where)) &&
      (w.minSeverity === undefined || atLeast(f.severity, w.minSeverity))
    ) {
      return true;
    }
  }
  return false;
}

/** First matching rule wins; then the default for the action's kind, then "*", then allow. */
export function evaluatePolicy(policy: Policy, action: GuardAction, findings: Finding[]): PolicyDecision {
  for (const c of policy.rules) {
    if (ruleMatches(c, action, findings)) return { decision: c.rule.action, rule: c.label, reason: c.rule.reason, line: c.line };
  }
  const defaults = policy.file.defaults ?? {};
  const decision = defaults[action.kind] ?? defaults['*'] ?? 'allow';
  return { decision, rule: 'default' };
}
