import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { PendingApproval } from '../../../shared/api.js';
import { neutraliseLine } from '../../approvals/neutralise.js';
import { RememberedStore } from '../../approvals/remembered.js';
import { toApiRemembered } from '../../approvals/service.js';
import { openDatabase } from '../../audit/database.js';
import { connectControl, type ControlClient } from '../../control/client.js';
import { belayPaths } from '../../paths.js';
import { parseChoice } from '../parse.js';

const NOT_RUNNING = 'Belay is not running, so there is nothing waiting for an answer. Start it with `belay serve` (or the tray app).';

async function running(): Promise<ControlClient> {
  const client = await connectControl();
  if (!client) throw new Error(NOT_RUNNING);
  return client;
}

function formatApproval(a: PendingApproval): string {
  const left = a.expiresAt ? Math.max(0, Math.round((Date.parse(a.expiresAt) - Date.now()) / 1000)) : undefined;
  const lines = [`${a.id}  [${a.risk}] ${neutraliseLine(a.summary, 160)}${left !== undefined ? `  (refused in ${left}s)` : ''}`];
  if (a.reason) lines.push(`    why: ${neutraliseLine(a.reason, 200)}`);
  for (const f of a.findings) lines.push(`    - ${f.severity}: ${neutraliseLine(f.message, 200)}${f.evidence ? `  «${neutraliseLine(f.evidence, 120)}»` : ''}`);
  return lines.join('\n');
}

function withDb<T>(fn: (store: RememberedStore) => T): T {
  const file = belayPaths().database;
  if (!existsSync(file)) throw new Error(`No Belay database at ${file}: nothing is remembered yet. Check --data-dir.`);
  const db = openDatabase(file);
  try {
    return fn(new RememberedStore(db));
  } finally {
    db.close();
  }
}

/** `belay approvals …`: answer what Belay is holding, and manage remembered answers. */
export function register(program: Command): Command {
  const approvals = program.command('approvals').description('List and answer what Belay is holding; manage remembered answers.');

  approvals
    .command('list')
    .description('What is waiting for an answer right now.')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const list = await (await running()).approvals();
      if (opts.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      else process.stdout.write(list.length === 0 ? 'Nothing is waiting for an answer.\n' : `${list.map(formatApproval).join('\n')}\n`);
    });

  const decide = (decision: 'allow' | 'deny') =>
    async (id: string, opts: { remember?: 'once' | 'session' | 'hour' | 'always'; scope?: 'tool' | 'server' | 'args' }) => {
      const client = await running();
      const ok = await client.decide(id, { decision, remember: opts.remember, scope: opts.scope, by: 'cli' });
      if (!ok) {
        process.stderr.write(`belay: no pending approval ${neutraliseLine(id, 40)} (already answered, timed out, or mistyped). Run \`belay approvals list\`.\n`);
        process.exitCode = 1;
        return;
      }
      const remembered = opts.remember && opts.remember !== 'once' ? `, remembered (${opts.remember}, scope ${opts.scope ?? 'tool'})` : ' (this call only)';
      process.stdout.write(`${decision === 'allow' ? 'Allowed' : 'Denied'} ${id}${remembered}.\n`);
    };

  for (const decision of ['allow', 'deny'] as const) {
    approvals
      .command(`${decision} <id>`)
      .description(decision === 'allow' ? 'Let a held call through.' : 'Refuse a held call.')
      .option('--remember <for>', 'once (default), session, hour or always', parseChoice(['once', 'session', 'hour', 'always'] as const))
      .option('--scope <scope>', 'what a remembered answer covers: tool (default), server, or args (these exact arguments)', parseChoice(['tool', 'server', 'args'] as const))
      .action(decide(decision));
  }

  approvals
    .command('remembered')
    .description('Remembered answers still in force.')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const file = belayPaths().database;
      const list = existsSync(file) ? withDb((s) => s.list()) : [];
      if (opts.json) process.stdout.write(`${JSON.stringify(list.map(toApiRemembered), null, 2)}\n`);
      else process.stdout.write(list.length === 0 ? 'No remembered answers.\n' : `${list.map((r) => `${r.id}  ${r.label}`).join('\n')}\n`);
    });

  approvals
    .command('forget <id>')
    .description('Revoke a remembered answer: the next such call is asked again.')
    .action((id: string) => {
      if (withDb((s) => s.forget(id))) process.stdout.write(`Forgot ${id}: the next such call will be asked again.\n`);
      else {
        process.stderr.write(`belay: no remembered answer ${neutraliseLine(id, 40)}. Run \`belay approvals remembered\`.\n`);
        process.exitCode = 1;
      }
    });
  return approvals;
}
