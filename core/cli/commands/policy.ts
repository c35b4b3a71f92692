import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openDatabase } from '../../audit/database.js';
import { belayPaths } from '../../paths.js';
import { dryRunPolicy } from '../../policy/dry-run.js';
import { formatPolicyErrors, parsePolicy } from '../../policy/load.js';
import { parsePositiveInt } from '../parse.js';

function readPolicyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`);
  }
}

/** `belay policy check|test`: validate a policy file, or replay the log against one. */
export function register(program: Command): Command {
  const policy = program.command('policy').description('Check a policy file, or see what a candidate policy would change.');

  policy
    .command('check [file]')
    .description('Validate a policy file (default: the policy in force). Prints file:line:col for each problem; exits 1 if any.')
    .action((file?: string) => {
      const target = path.resolve(file ?? belayPaths().policy);
      if (!file && !existsSync(target)) {
        process.stdout.write(`No policy file yet at ${target}: Belay will write the shipped default on first start.\n`);
        return;
      }
      const r = parsePolicy(readPolicyFile(target), path.basename(target));
      if (r.ok) {
        process.stdout.write(`${target}: OK (${r.policy.rules.length} rules)\n`);
        return;
      }
      process.stderr.write(`${formatPolicyErrors(target, r.errors)}\n`);
      process.exitCode = 1;
    });

  policy
    .command('test <file>')
    .description('Replay recent decisions from the audit log against a candidate policy and list every one that would change (nothing is applied).')
    .option('--limit <n>', 'how many recent events to replay', parsePositiveInt, 500)
    .option('--json', 'machine-readable output')
    .action((file: string, opts: { limit: number; json?: boolean }) => {
      const target = path.resolve(file);
      const r = parsePolicy(readPolicyFile(target), path.basename(target));
      if (!r.ok) {
        process.stderr.write(`${formatPolicyErrors(target, r.errors)}\n`);
        process.exitCode = 1;
        return;
      }
      const dbFile = belayPaths().database;
      if (!existsSync(dbFile)) throw new Error(`No audit log at ${dbFile} to replay yet. Use Belay for a while (or pass --data-dir), then test again.`);
      const db = openDatabase(dbFile, { readonly: true });
      try {
        const result = dryRunPolicy(db, r.policy, { limit: opts.limit });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        process.stdout.write(`Replayed ${result.total} decisions (${result.skipped} events skipped: not flows, paused or errors).\n`);
        if (result.changed.length === 0) {
          process.stdout.write('No decision would change.\n');
          return;
        }
        process.stdout.write(`${result.changed.length} would change:\n`);
        for (const c of result.changed) process.stdout.write(`  #${c.seq} ${c.time}  ${c.summary}: ${c.before} → ${c.after} (${c.rule})\n`);
      } finally {
        db.close();
      }
    });
  return policy;
}
