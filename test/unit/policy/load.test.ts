import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPolicyText } from '../../../core/policy/default-policy.js';
import { formatPolicyErrors, parsePolicy } from '../../../core/policy/load.js';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../../fixtures/policy', name), 'utf8');

describe('parsePolicy', () => {
  it('accepts the shipped default policy', () => {
    const r = parsePolicy(defaultPolicyText());
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('names the line and column of a bad action', () => {
    const r = parsePolicy(fixture('bad-action.yaml'));
    expect(r.ok).toBe(false);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 9, column: 13 });
    expect(r.errors[0].message).toContain('rules[1].action');
    expect(r.errors[0].message).toContain('"ask"');
  });

  it('points at a misspelt key itself', () => {
    const r = parsePolicy('version: 1\nrules:\n  - action: allow\n    match:\n      tools: "x"\n');
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatchObject({ line: 5, column: 7 });
    expect(r.errors[0].message).toBe('rules[0].match: unknown key "tools"');
  });

  it('reports YAML syntax errors with their position', () => {
    const r = parsePolicy('version: 1\nrules:\n  - action: allow\n   match: [\n');
    expect(r.ok).toBe(false);
    expect(r.errors[0].line).toBeGreaterThanOrEqual(3);
  });

  it('rejects an invalid regular expression in arguments.matches', () => {
    const r = parsePolicy('version: 1\nrules:\n  - action: ask\n    match:\n      arguments: { path: command, matches: "rm (-rf" }\n');
    expect(r.ok).toBe(false);
    expect(r.errors[0].line).toBe(5);
    expect(r.errors[0].message).toMatch(/not a valid regular expression/);
  });

  it('requires version 1 and says so for an empty file', () => {
    expect(parsePolicy('').errors[0].message).toMatch(/empty/);
    const r = parsePolicy('rules: []\n');
    expect(r.ok).toBe(false);
    expect(r.errors[0].message).toMatch(/^version/);
  });

  it('rejects duplicate keys', () => {
    expect(parsePolicy('version: 1\nversion: 1\n').ok).toBe(false);
  });

  it('formats errors as file:line:col', () => {
    const r = parsePolicy(fixture('bad-action.yaml'));
    expect(formatPolicyErrors('p.yaml', r.errors)).toMatch(/^p\.yaml:9:13: rules\[1\]\.action: /);
  });
});
