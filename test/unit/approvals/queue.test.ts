import { afterEach, describe, expect, it } from 'vitest';
import { ApprovalQueue, listPendingFromDb } from '../../../core/approvals/queue.js';
import { RememberedStore } from '../../../core/approvals/remembered.js';
import type { ApprovalChange, ApprovalRequest } from '../../../core/approvals/types.js';
import { freshDb, tick, toolCall } from '../../helpers/guard-fixtures.js';

const queues: ApprovalQueue[] = [];
afterEach(() => { for (const q of queues.splice(0)) q.close(); });

function setup(timeoutMs = 60_000) {
  const db = freshDb();
  const remembered = new RememberedStore(db);
  const q = new ApprovalQueue({ db, remembered, timeoutMs, log: () => {} });
  queues.push(q);
  return { db, remembered, q };
}

const req = (tool = 'delete_file', args: unknown = { path: 'a.txt' }, extra = {}): ApprovalRequest => ({
  action: toolCall(tool, args, { toolPin: 'pin-1', ...extra }),
  findings: [{ detector: 'destructive-command', severity: 'high', message: 'Deletes things.', where: 'arguments.path' }],
  rule: 'ask-risky-tools',
  reason: 'The tool deletes.',
  risk: 'high',
});

describe('ApprovalQueue', () => {
  it('holds until a human allows, and reports who decided and how long it was held', async () => {
    const { q, db } = setup();
    const changes: ApprovalChange['type'][] = [];
    q.subscribe((c) => changes.push(c.type));
    const p = q.ask(req());
    const [pending] = q.list();
    expect(pending.status).toBe('pending');
    expect(pending.summary.title).toBe('cursor wants to run delete_file on files');
    expect(pending.summary.highlight).toEqual({ where: 'arguments.path', text: 'a.txt' });
    expect(listPendingFromDb(db).map((a) => a.id)).toEqual([pending.id]);
    expect(q.decide(pending.id, { decision: 'allow', by: 'cli' })).toBe(true);
    const out = await p;
    expect(out).toMatchObject({ allowed: true, decidedBy: 'human', approvalId: pending.id });
    expect(out.heldMs).toBeGreaterThanOrEqual(0);
    expect(q.list()).toEqual([]);
    expect(listPendingFromDb(db)).toEqual([]);
    expect(q.history(5)[0]).toMatchObject({ id: pending.id, status: 'allowed', answeredBy: 'cli', decidedBy: 'human' });
    expect(changes).toEqual(['added', 'decided']);
    expect(q.decide(pending.id, { decision: 'deny' })).toBe(false);
  });

  it('a timeout refuses once, logs it, and creates no remembered rule', async () => {
    const { q, remembered } = setup(30);
    const first = await q.ask(req());
    expect(first).toMatchObject({ allowed: false, decidedBy: 'timeout' });
    expect(remembered.list()).toEqual([]);
    expect(q.history(1)[0].status).toBe('expired');
    // Asked again next time, not refused by memory.
    const second = q.ask(req());
    expect(q.list()).toHaveLength(1);
    q.decide(q.list()[0].id, { decision: 'allow' });
    expect((await second).allowed).toBe(true);
  });

  it('identical concurrent asks wait on one approval', async () => {
    const { q, db } = setup();
    const a = q.ask(req('delete_file', { path: 'a.txt', n: 1 }));
    const b = q.ask(req('delete_file', { n: 1, path: 'a.txt' }));
    const other = q.ask(req('delete_file', { path: 'b.txt' }));
    expect(q.list()).toHaveLength(2);
    const shared = q.list().find((x) => x.waiters === 2)!;
    expect(shared).toBeDefined();
    expect((db.prepare('SELECT waiters FROM approvals WHERE id = ?').get(shared.id) as { waiters: number }).waiters).toBe(2);
    q.decide(shared.id, { decision: 'deny' });
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toMatchObject({ allowed: false, decidedBy: 'human', approvalId: shared.id });
    expect(rb).toMatchObject({ allowed: false, approvalId: shared.id });
    let settled = false;
    void other.then(() => { settled = true; });
    await tick();
    expect(settled).toBe(false);
  });

  it('remember writes a decision bound to the tool pin', async () => {
    const { q, remembered } = setup();
    const p = q.ask(req());
    q.decide(q.list()[0].id, { decision: 'allow', remember: 'always', scope: 'tool' });
    await p;
    const same = toolCall('delete_file', { path: 'zzz' }, { toolPin: 'pin-1' });
    expect(remembered.lookup(same)).toMatchObject({ decision: 'allow', scope: 'tool', duration: 'always' });
    expect(remembered.lookup({ ...same, toolPin: 'pin-2' })).toBeUndefined();
    expect(remembered.lookup({ ...same, tool: 'other' })).toBeUndefined();
  });

  it('remember once writes nothing', async () => {
    const { q, remembered } = setup();
    const p = q.ask(req());
    q.decide(q.list()[0].id, { decision: 'allow', remember: 'once' });
    await p;
    expect(remembered.list()).toEqual([]);
  });

  it('close() refuses what is still held and a new queue marks leftovers abandoned', async () => {
    const { q, db } = setup();
    const p = q.ask(req());
    db.prepare(`INSERT INTO approvals (id, created_at, expires_at, status, kind, client, risk, summary, owner_pid) VALUES ('old1', 1, 2, 'pending', 'mcp.tool_call', 'x', 'high', '{}', -1)`).run();
    const q2 = new ApprovalQueue({ db, log: () => {} });
    queues.push(q2);
    expect(listPendingFromDb(db).map((a) => a.id)).not.toContain('old1');
    q.close();
    expect(await p).toMatchObject({ allowed: false, decidedBy: 'unavailable' });
  });

  it('never stores secrets or terminal escapes in the summary', async () => {
    const { q, db } = setup();
    const key = 'ghp_' + 'aB3d'.repeat(9);
    const r = req('run_command', { command: `curl -H "token: ${key}" x \u001b[2J` });
    r.findings = [{ detector: 'secrets', severity: 'high', message: 'A GitHub token \u202e', where: 'arguments.command', evidence: 'ghp_aB…', secretValues: [key] }];
    void q.ask(r);
    const row = db.prepare('SELECT summary FROM approvals').get() as { summary: string };
    expect(row.summary).not.toContain(key);
    expect(row.summary).not.toContain('\u001b');
    expect(row.summary).not.toContain('\u202e');
    expect(JSON.parse(row.summary).highlight.text).toContain('[REDACTED:github-pat]');
  });
});

describe('RememberedStore', () => {
  it('scopes: server matches any tool; args needs the same normalised arguments; session binds to the session', () => {
    const { remembered } = setup();
    const a = toolCall('write_file', { path: 'x', body: 'y' }, { toolPin: 'p', session: 's1' });
    remembered.add({ action: a, decision: 'allow', remember: 'hour', scope: 'args' });
    expect(remembered.lookup({ ...a, arguments: { body: 'y', path: 'x' } })?.scope).toBe('args');
    expect(remembered.lookup({ ...a, arguments: { path: 'other' } })).toBeUndefined();
    remembered.add({ action: a, decision: 'deny', remember: 'session', scope: 'server' });
    expect(remembered.lookup({ ...a, tool: 'anything' })?.decision).toBe('deny');
    expect(remembered.lookup({ ...a, tool: 'anything', session: 's2' })).toBeUndefined();
  });

  it('lists, forgets, and lets an hour run out', () => {
    let t = 1_000_000;
    const { db } = setup();
    const store = new RememberedStore(db, () => t);
    const r = store.add({ action: toolCall('x'), decision: 'allow', remember: 'hour', scope: 'tool' });
    expect(store.list().map((x) => x.id)).toEqual([r.id]);
    expect(r.label).toBe('allow cursor → files/x, for an hour');
    t += 3600_001;
    expect(store.lookup(toolCall('x'))).toBeUndefined();
    expect(store.list()).toEqual([]);
    const k = store.add({ action: toolCall('x'), decision: 'allow', remember: 'always', scope: 'tool' });
    expect(store.forget(k.id)).toBe(true);
    expect(store.forget(k.id)).toBe(false);
    expect(store.lookup(toolCall('x'))).toBeUndefined();
  });
});

describe('ApprovalQueue: abort, extend, API adapters', () => {
  it('an aborted ask is refused and the approval withdrawn once nobody waits', async () => {
    const { q } = setup();
    const ac = new AbortController();
    const p = q.ask(req(), ac.signal);
    const keep = q.ask(req());
    expect(q.list()[0].waiters).toBe(2);
    ac.abort();
    expect(await p).toMatchObject({ allowed: false, decidedBy: 'unavailable' });
    expect(q.list()[0].waiters).toBe(1);
    q.decide(q.list()[0].id, { decision: 'allow' });
    expect((await keep).allowed).toBe(true);
    const ac2 = new AbortController();
    const lone = q.ask(req('other_tool'), ac2.signal);
    ac2.abort();
    await lone;
    expect(q.list()).toEqual([]);
  });

  it('extend keeps an approval open longer, up to the cap', async () => {
    const { q } = setup(40);
    const p = q.ask(req());
    const id = q.list()[0].id;
    const ext = q.extend(id, 200)!;
    expect(ext.expiresAt - ext.createdAt).toBeGreaterThanOrEqual(200);
    await new Promise((r) => setTimeout(r, 80));
    expect(q.list()).toHaveLength(1);
    expect(q.extend(id, 10 * 3600_000)!.expiresAt - ext.createdAt).toBe(10 * 60_000);
    q.decide(id, { decision: 'deny' });
    expect((await p).decidedBy).toBe('human');
    expect(q.extend(id, 100)).toBeUndefined();
  });

  it('the control API adapter speaks shared/api shapes and round-trips a remote ask', async () => {
    const { approvalsService, RemoteApprovals } = await import('../../../core/approvals/service.js');
    const { q, remembered } = setup();
    const svc = approvalsService(q, remembered);
    const remote = new RemoteApprovals({ ask: (body, signal) => svc.ask(body, signal) });
    const p = remote.ask(req('delete_file', { path: 'x' }, { toolPin: 'pin-9' }));
    const [api] = svc.list();
    expect(api).toMatchObject({ status: 'pending', summary: 'cursor wants to run delete_file on files', subject: { kind: 'mcp.tool_call' } });
    expect(typeof api.createdAt).toBe('string');
    expect(svc.decide(api.id, { decision: 'allow', remember: 'hour', scope: 'tool' })).toBe(true);
    expect((await p).allowed).toBe(true);
    // Remembered through the remote ask, bound to the pin it carried.
    expect(remembered.lookup(toolCall('delete_file', {}, { toolPin: 'pin-9' }))?.decision).toBe('allow');
    expect(svc.remembered!()[0]).toMatchObject({ decision: 'allow', scope: 'tool', tool: 'delete_file' });
  });
});
