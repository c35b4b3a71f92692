import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { belayPaths } from '../../../core/paths.js';
import { defaultPolicyText } from '../../../core/policy/default-policy.js';
import { PolicyStore, type PolicyChange } from '../../../core/policy/store.js';

const stores: PolicyStore[] = [];
afterEach(() => { for (const s of stores.splice(0)) s.close(); });

function open(file: string, watch = false) {
  const s = PolicyStore.open(file, { watch, debounceMs: 20, log: () => {} });
  stores.push(s);
  return s;
}

const custom = 'version: 1\nrules:\n  - { name: only, match: { tool: "x" }, action: deny }\n';

function nextChange(store: PolicyStore): Promise<PolicyChange> {
  return new Promise((resolve) => { const off = store.subscribe((c) => { off(); resolve(c); }); });
}

describe('PolicyStore', () => {
  it('writes the shipped default on first run (0600) and puts it in force', () => {
    const file = path.join(belayPaths().home, 'first', 'policy.yaml');
    const s = open(file);
    expect(readFileSync(file, 'utf8')).toBe(defaultPolicyText());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(s.current().rules.length).toBeGreaterThan(5);
    expect(s.lastError()).toBeUndefined();
  });

  it('save() validates first: invalid text changes nothing on disk or in force', () => {
    const file = path.join(belayPaths().home, 'save', 'policy.yaml');
    const s = open(file);
    const before = readFileSync(file, 'utf8');
    const bad = s.save('version: 1\nrules:\n  - action: perhaps\n');
    expect(bad.ok).toBe(false);
    expect(bad.errors[0]).toMatchObject({ line: 3 });
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(s.save(custom)).toEqual({ ok: true, errors: [] });
    expect(readFileSync(file, 'utf8')).toBe(custom);
    expect(s.current().rules.map((r) => r.label)).toEqual(['only']);
    expect(s.sourceText()).toBe(custom);
  });

  it('reloads on change; an invalid edit keeps the last good policy and says why', async () => {
    const file = path.join(belayPaths().home, 'watch', 'policy.yaml');
    const s = open(file, true);
    let change = nextChange(s);
    writeFileSync(file, custom);
    expect((await change).policy.rules.map((r) => r.label)).toEqual(['only']);

    change = nextChange(s);
    writeFileSync(file, 'version: 1\nrules:\n  - { action: deny, match: { tol: x } }\n');
    const bad = await change;
    expect(bad.error?.errors[0]).toMatchObject({ line: 3 });
    expect(bad.error?.message).toContain('last good policy stays in force');
    expect(s.current().rules.map((r) => r.label)).toEqual(['only']);
    expect(s.lastError()?.file).toBe(path.resolve(file));

    change = nextChange(s);
    writeFileSync(file, defaultPolicyText());
    expect((await change).error).toBeUndefined();
    expect(s.lastError()).toBeUndefined();
  });

  it('an invalid file at start-up falls back to the shipped default and reports the error', () => {
    const file = path.join(belayPaths().home, 'broken', 'policy.yaml');
    open(file).close();
    writeFileSync(file, 'version: 2\n');
    const s = open(file);
    expect(s.lastError()?.errors[0].message).toMatch(/^version/);
    expect(s.current().source).toBe('default-policy.yaml');
  });
});
