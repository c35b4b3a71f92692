import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApprovalQueue } from '../../../core/approvals/queue.js';
import { RememberedStore } from '../../../core/approvals/remembered.js';
import type { Approvals } from '../../../core/approvals/types.js';
import { defaultDetectors } from '../../../core/detectors/index.js';
import { DetectorRegistry } from '../../../core/detectors/registry.js';
import { belayPaths } from '../../../core/paths.js';
import type { GuardAction } from '../../../core/pipeline/action.js';
import { createGuard } from '../../../core/pipeline/guard.js';
import { PauseSwitch } from '../../../core/pipeline/pause.js';
import { defaultPolicyText } from '../../../core/policy/default-policy.js';
import { parsePolicy } from '../../../core/policy/load.js';
import { freshDb, toolCall } from '../../helpers/guard-fixtures.js';

const policyOf = (text: string) => {
  const r = parsePolicy(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { current: () => r.policy };
};
const defaultPolicy = policyOf(defaultPolicyText());
const silent = () => {};

function answering(allowed: boolean): Approvals & { asked: number } {
  const port = {
    asked: 0,
    async ask() {
      port.asked++;
      return { allowed, decidedBy: 'human' as const, approvalId: 'a1', heldMs: 5 };
    },
  };
  return port;
}

const anthropicKey = 'sk-ant-api03-' + 'Ab1-'.repeat(23) + 'xAA';

describe('guard', () => {
  it('allows a read-only tool by policy', async () => {
    const guard = createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), log: silent });
    const v = await guard.decide(toolCall('read_file', { path: 'src/index.ts' }));
    expect(v).toMatchObject({ outcome: 'allow', decision: 'allow', decidedBy: 'policy', rule: 'allow-read-only-tools', risk: 'none' });
  });

  it('asks a human for a risky tool and reports the answer', async () => {
    const approvals = answering(true);
    const guard = createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), approvals, log: silent });
    const v = await guard.decide(toolCall('delete_file', { path: 'notes.txt' }));
    expect(v).toMatchObject({ outcome: 'allow', decision: 'ask', decidedBy: 'human', approvalId: 'a1', heldMs: 5, rule: 'ask-risky-tools' });
    expect(approvals.asked).toBe(1);
    const denied = await createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), approvals: answering(false), log: silent }).decide(toolCall('delete_file', {}));
    expect(denied).toMatchObject({ outcome: 'deny', decision: 'ask', decidedBy: 'human' });
  });

  it('refuses an ask when no human can be asked, unless the unsafe setting allows it', async () => {
    const action = toolCall('delete_file', { path: 'x' });
    const v = await createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), log: silent }).decide(action);
    expect(v).toMatchObject({ outcome: 'deny', decision: 'ask', decidedBy: 'unavailable' });
    const failing: Approvals = { ask: () => Promise.reject(new Error('control API down')) };
    expect((await createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), approvals: failing, log: silent }).decide(action)).decidedBy).toBe('unavailable');
    const unsafe = await createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), allowAskWhenUnavailable: true, log: silent }).decide(action);
    expect(unsafe).toMatchObject({ outcome: 'allow', decidedBy: 'unavailable' });
  });

  it('redacts secrets in an LLM request and never puts the secret in findings', async () => {
    const guard = createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), log: silent });
    const action: GuardAction = { kind: 'llm.request', client: 'claude-code', transport: 'proxy', host: 'api.anthropic.com', texts: [`my key is ${anthropicKey} ok`] };
    const v = await guard.decide(action);
    expect(v).toMatchObject({ outcome: 'allow', decision: 'redact', rule: 'redact-secrets-in-prompts', redactions: [anthropicKey] });
    expect(JSON.stringify(v.findings)).not.toContain(anthropicKey);
    expect(v.findings[0]).toMatchObject({ detector: 'secrets', ruleId: 'anthropic-api-key', severity: 'high' });
  });

  it('denies a secret in tool arguments; redact on a non-LLM kind is refused', async () => {
    const guard = createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), log: silent });
    const v = await guard.decide(toolCall('http_post', { body: `key=${anthropicKey}` }));
    expect(v).toMatchObject({ outcome: 'deny', decision: 'deny', rule: 'no-secrets-in-tool-arguments', risk: 'high' });
    const redactAll = createGuard({ policy: policyOf('version: 1\nrules:\n  - { action: redact }\n'), detectors: new DetectorRegistry(), log: silent });
    expect(await redactAll.decide(toolCall('x'))).toMatchObject({ outcome: 'deny', decision: 'redact' });
  });

  it('a detector that throws is decided as the worst case', async () => {
    const logged: string[] = [];
    const detectors = new DetectorRegistry([{ name: 'boom', appliesTo: ['mcp.tool_call'], detect: () => { throw new Error('bad'); } }], (n) => logged.push(n));
    const v = await createGuard({ policy: defaultPolicy, detectors, approvals: answering(true), log: silent }).decide(toolCall('read_file'));
    expect(v).toMatchObject({ outcome: 'deny', rule: 'detector-failed', risk: 'critical' });
    expect(logged).toEqual(['boom']);
  });

  it('fails closed when the pipeline itself throws', async () => {
    const logs: string[] = [];
    const broken = { current: () => { throw new Error('policy exploded'); } };
    const v = await createGuard({ policy: broken as never, detectors: new DetectorRegistry(), log: (m) => logs.push(m) }).decide(toolCall('read_file'));
    expect(v).toMatchObject({ outcome: 'deny', decision: 'deny', decidedBy: 'error' });
    expect(logs[0]).toContain('policy exploded');
  });

  it('the kill switch refuses LLM and MCP traffic across instances until resumed; plain HTTP flows', async () => {
    const file = path.join(belayPaths().home, 'paused.json');
    const pause = new PauseSwitch(file);
    const guard = createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), pause: new PauseSwitch(file), log: silent });
    pause.pause({ by: 'test' });
    expect(await guard.decide(toolCall('read_file'))).toMatchObject({ outcome: 'deny', decidedBy: 'paused' });
    expect((await guard.decide({ kind: 'llm.request', client: 'c', transport: 'proxy' })).decidedBy).toBe('paused');
    expect((await guard.decide({ kind: 'http', client: 'c', transport: 'proxy', host: 'example.com' })).outcome).toBe('allow');
    expect(new PauseSwitch(file).state()).toMatchObject({ by: 'test' });
    expect(pause.resume()).toBe(true);
    expect((await guard.decide(toolCall('read_file'))).outcome).toBe('allow');
    expect(pause.resume()).toBe(false);
  });

  it('remembered answers skip the human, and a changed tool asks again', async () => {
    const db = freshDb();
    const remembered = new RememberedStore(db);
    const queue = new ApprovalQueue({ db, remembered, log: silent });
    const guard = createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), approvals: queue, remembered, log: silent });
    const action = toolCall('delete_file', { path: 'a' }, { toolPin: 'p1', approvedPin: 'p1' });
    const first = guard.decide(action);
    await new Promise((r) => setImmediate(r));
    queue.decide(queue.list()[0].id, { decision: 'allow', remember: 'always', scope: 'tool' });
    expect((await first).decidedBy).toBe('human');
    expect(await guard.decide({ ...action, arguments: { path: 'b' } })).toMatchObject({ outcome: 'allow', decidedBy: 'remembered' });
    // The server changed the tool: pins differ, so the old answer does not apply.
    const changed = guard.decide({ ...action, toolPin: 'p2', approvedPin: 'p1', toolChange: 'description changed' });
    await new Promise((r) => setImmediate(r));
    expect(queue.list()).toHaveLength(1);
    expect(queue.list()[0].summary.details.join('\n')).toContain('description changed');
    queue.decide(queue.list()[0].id, { decision: 'deny' });
    expect(await changed).toMatchObject({ outcome: 'deny', decidedBy: 'human', rule: 'ask-changed-tools' });
    queue.close();
  });

  it('evaluateOnly runs detectors and a candidate policy without asking anyone', () => {
    const approvals = answering(true);
    const guard = createGuard({ policy: defaultPolicy, detectors: defaultDetectors({ log: silent }), approvals, log: silent });
    const r = guard.evaluateOnly(toolCall('run_command', { command: 'rm -rf ~' }));
    expect(r).toMatchObject({ decision: 'deny', rule: 'deny-catastrophic-commands', risk: 'critical' });
    const lax = policyOf('version: 1\ndefaults: { "*": allow }\n').current();
    expect(guard.evaluateOnly(toolCall('run_command', { command: 'rm -rf ~' }), lax).decision).toBe('allow');
    expect(approvals.asked).toBe(0);
  });
});
