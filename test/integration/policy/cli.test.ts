import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RememberedStore } from '../../../core/approvals/remembered.js';
import { AuditLog } from '../../../core/audit/audit-log.js';
import { openDatabase } from '../../../core/audit/database.js';
import { belayPaths } from '../../../core/paths.js';
import { runBelay } from '../../helpers/audit-cli.js';
import { toolCall } from '../../helpers/guard-fixtures.js';

const tmp = (name: string, text: string) => {
  const file = path.join(belayPaths().home, name);
  writeFileSync(file, text);
  return file;
};

describe('belay policy', () => {
  it('check: OK for a valid file, file:line:col and exit 1 for an invalid one', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(belayPaths().home, { recursive: true });
    const good = await runBelay('policy', 'check', tmp('good.yaml', 'version: 1\nrules:\n  - { action: allow }\n'));
    expect(good).toMatchObject({ code: 0 });
    expect(good.stdout).toMatch(/OK \(1 rules\)/);
    const bad = await runBelay('policy', 'check', tmp('bad.yaml', 'version: 1\nrules:\n  - action: allow\n    match: { toool: x }\n'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.yaml:4:14: rules\[0\]\.match: unknown key "toool"/);
    const missing = await runBelay('policy', 'check', path.join(belayPaths().home, 'nope.yaml'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
  });

  it('test: replays recorded decisions and lists those a candidate would change', async () => {
    const log = AuditLog.open(belayPaths().database);
    log.append({ type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: 'cursor', server: 'fs', tool: 'delete_file', decision: 'ask', decidedBy: 'human', rule: 'ask-risky-tools', data: { arguments: { path: 'a' } } });
    log.append({ type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client: 'cursor', server: 'fs', tool: 'read_file', decision: 'allow', decidedBy: 'policy', data: { findings: [{ detector: 'sensitive-path', severity: 'high', message: 'ssh', ruleId: 'ssh' }] } });
    log.append({ type: 'system', protocol: 'belay', transport: 'internal', client: 'belay', decision: 'allow' });
    log.flush();
    log.close();
    const candidate = tmp('candidate.yaml', 'version: 1\nrules:\n  - { name: no-ssh, match: { findings: { detector: sensitive-path } }, action: deny }\n  - { match: { toolLooks: risky }, action: ask }\n');
    const r = await runBelay('policy', 'test', candidate);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Replayed 2 decisions (1 events skipped');
    expect(r.stdout).toMatch(/1 would change:\n {2}#2 .* cursor mcp\.tool_call fs\/read_file: allow → deny \(no-ssh\)/);
    const json = JSON.parse((await runBelay('policy', 'test', candidate, '--json')).stdout);
    expect(json.changed).toHaveLength(1);
  });
});

describe('belay approvals and pause without a running Belay', () => {
  it('list/allow say Belay is not running and exit 1', async () => {
    const r = await runBelay('approvals', 'list');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Belay is not running/);
    expect((await runBelay('approvals', 'allow', 'abc')).code).toBe(1);
    expect((await runBelay('approvals', 'allow', 'abc', '--remember', 'forever')).code).toBe(2);
  });

  it('remembered and forget work on the database directly', async () => {
    const db = openDatabase(belayPaths().database);
    const rec = new RememberedStore(db).add({ action: toolCall('delete_file'), decision: 'allow', remember: 'always', scope: 'tool' });
    db.close();
    const list = await runBelay('approvals', 'remembered');
    expect(list.stdout).toContain(`${rec.id}  allow cursor → files/delete_file, always`);
    expect((await runBelay('approvals', 'forget', rec.id)).code).toBe(0);
    expect((await runBelay('approvals', 'remembered')).stdout).toBe('No remembered answers.\n');
    const again = await runBelay('approvals', 'forget', rec.id);
    expect(again.code).toBe(1);
  });

  it('pause writes the switch file; resume removes it', async () => {
    expect((await runBelay('pause')).stdout).toMatch(/paused/);
    expect(existsSync(belayPaths().pause)).toBe(true);
    expect((await runBelay('resume')).stdout).toMatch(/resumed/);
    expect(existsSync(belayPaths().pause)).toBe(false);
    expect((await runBelay('resume')).stdout).toMatch(/was not paused/);
  });
});
