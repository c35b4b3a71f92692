import { describe, expect, it } from 'vitest';
import { defaultPolicyText } from '../../../core/policy/default-policy.js';
import { evaluatePolicy } from '../../../core/policy/evaluate.js';
import { parsePolicy } from '../../../core/policy/load.js';
import { toolLooks } from '../../../core/policy/tool-names.js';
import type { Finding, GuardAction } from '../../../core/pipeline/action.js';

function policy(yaml: string) {
  const r = parsePolicy(yaml);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}
const call = (tool: string, args: unknown = {}, extra: Partial<GuardAction> = {}): GuardAction => ({
  kind: 'mcp.tool_call', client: 'cursor', transport: 'stdio', server: 'fs', tool, arguments: args, ...extra,
});
const finding = (detector: string, severity: Finding['severity'], ruleId?: string): Finding => ({ detector, severity, ruleId, message: 'x' });

describe('evaluatePolicy', () => {
  it('first matching rule wins, then defaults per kind, then "*"', () => {
    const p = policy(`version: 1
rules:
  - { name: a, match: { tool: "delete_*" }, action: deny }
  - { name: b, match: { tool: "delete_file" }, action: allow }
defaults: { mcp.tool_call: ask, "*": allow }
`);
    expect(evaluatePolicy(p, call('delete_file'), [])).toMatchObject({ decision: 'deny', rule: 'a', line: 3 });
    expect(evaluatePolicy(p, call('other'), [])).toEqual({ decision: 'ask', rule: 'default' });
    expect(evaluatePolicy(p, { kind: 'llm.request', client: 'x', transport: 'proxy' }, [])).toEqual({ decision: 'allow', rule: 'default' });
  });

  it('matches arguments by path and regex, and "*" for any string argument', () => {
    const p = policy(`version: 1
rules:
  - name: rmrf
    match: { arguments: { path: command, matches: "rm\\\\s+-rf" } }
    action: ask
  - name: nested
    match: { arguments: { path: "opts.paths[1]", matches: "^/etc" } }
    action: deny
  - name: any
    match: { arguments: { path: "*", matches: "secret-word" } }
    action: deny
`);
    expect(evaluatePolicy(p, call('run', { command: 'RM  -rf x' }), []).rule).toBe('rmrf');
    expect(evaluatePolicy(p, call('run', { opts: { paths: ['a', '/etc/hosts'] } }), []).rule).toBe('nested');
    expect(evaluatePolicy(p, call('run', { a: [{ b: 'the secret-word' }] }), []).rule).toBe('any');
    expect(evaluatePolicy(p, call('run', { command: 'ls' }), []).rule).toBe('default');
  });

  it('matches findings by detector, rule id and minimum severity', () => {
    const p = policy(`version: 1
rules:
  - { name: crit, match: { findings: { detector: destructive-command, minSeverity: critical } }, action: deny }
  - { name: aws, match: { findings: { rule: "aws-*" } }, action: deny }
  - { name: any-med, match: { findings: [{ detector: [loop, rate] }, { minSeverity: medium }] }, action: ask }
`);
    expect(evaluatePolicy(p, call('x'), [finding('destructive-command', 'high')]).rule).toBe('any-med');
    expect(evaluatePolicy(p, call('x'), [finding('destructive-command', 'critical')]).rule).toBe('crit');
    expect(evaluatePolicy(p, call('x'), [finding('secrets', 'low', 'aws-access-key')]).rule).toBe('aws');
    expect(evaluatePolicy(p, call('x'), [finding('loop', 'low')]).rule).toBe('any-med');
    expect(evaluatePolicy(p, call('x'), [finding('other', 'low')]).rule).toBe('default');
  });

  it('matches kind, client, server, host and phase', () => {
    const p = policy(`version: 1
rules:
  - { name: r1, match: { kind: [llm.request], host: "*.openai.com", client: cursor }, action: deny }
  - { name: r2, match: { server: "git*", phase: response }, action: ask }
`);
    expect(evaluatePolicy(p, { kind: 'llm.request', client: 'cursor', transport: 'proxy', host: 'api.openai.com' }, []).rule).toBe('r1');
    expect(evaluatePolicy(p, { kind: 'llm.request', client: 'vscode', transport: 'proxy', host: 'api.openai.com' }, []).rule).toBe('default');
    expect(evaluatePolicy(p, call('x', {}, { server: 'github', phase: 'response' }), []).rule).toBe('r2');
    expect(evaluatePolicy(p, call('x', {}, { server: 'github' }), []).rule).toBe('default');
  });

  it('annotations can raise risk but never talk a risky name or a finding down', () => {
    const p = policy(`version: 1
rules:
  - { name: trust-hint, match: { annotations: { readOnlyHint: true } }, action: allow }
  - { name: hint-destructive, match: { annotations: { destructiveHint: true } }, action: ask }
defaults: { "*": ask }
`);
    const ro = { readOnlyHint: true };
    expect(evaluatePolicy(p, call('get_weather', {}, { annotations: ro }), []).rule).toBe('trust-hint');
    expect(evaluatePolicy(p, call('delete_file', {}, { annotations: ro }), [])).toEqual({ decision: 'ask', rule: 'default' });
    expect(evaluatePolicy(p, call('get_weather', {}, { annotations: ro }), [finding('sensitive-path', 'high')]).rule).toBe('default');
    expect(evaluatePolicy(p, call('get_weather', {}, { annotations: { destructiveHint: true } }), []).rule).toBe('hint-destructive');
  });
});

describe('the shipped default policy', () => {
  const p = policy(defaultPolicyText());
  it.each([
    ['read-only tool allowed', call('read_file', { path: 'src/a.ts' }), [], 'allow'],
    ['readOnlyHint allowed', call('weather', {}, { annotations: { readOnlyHint: true } }), [], 'allow'],
    ['risky name asked', call('delete_file', { path: 'a' }), [], 'ask'],
    ['risky name with a read-only hint still asked', call('delete_file', {}, { annotations: { readOnlyHint: true } }), [], 'ask'],
    ['destructiveHint asked', call('frobnicate', {}, { annotations: { destructiveHint: true } }), [], 'ask'],
    ['unknown tool allowed', call('frobnicate'), [], 'allow'],
    ['secret in prompt redacted', { kind: 'llm.request', client: 'c', transport: 'proxy' }, [finding('secrets', 'high')], 'redact'],
    ['secret in tool args denied', call('frobnicate'), [finding('secrets', 'high')], 'deny'],
    ['secret in a read-only tool result allowed', call('read_file', {}, { phase: 'response' }), [finding('secrets', 'low')], 'allow'],
    ['rm -rf ~ denied', call('run_command'), [finding('destructive-command', 'critical')], 'deny'],
    ['sensitive path asked', call('read_file'), [finding('sensitive-path', 'high')], 'ask'],
    ['tool change asked', call('read_file'), [finding('tool-changed', 'high')], 'ask'],
    ['new server asked', call('read_file'), [finding('new-server', 'medium')], 'ask'],
    ['detector failure denied', call('read_file'), [finding('loop', 'critical', 'detector-failed')], 'deny'],
    ['low finding on a read tool allowed', call('list_dir'), [finding('destructive-command', 'low')], 'allow'],
  ] as [string, GuardAction, Finding[], string][])('%s', (_n, action, findings, want) => {
    expect(evaluatePolicy(p, action, findings).decision).toBe(want);
  });
});

describe('toolLooks', () => {
  it.each([
    ['read_file', 'read-only'], ['listDirectory', 'read-only'], ['get_commit', 'read-only'], ['search-issues', 'read-only'],
    ['delete_file', 'risky'], ['writeFile', 'risky'], ['run_terminal_cmd', 'risky'], ['send_email', 'risky'], ['git_push', 'risky'],
    ['transfer_funds', 'risky'], ['weather', 'unknown'], ['get_and_delete', 'risky'],
  ])('%s → %s', (name, want) => expect(toolLooks(name)).toBe(want));
});
