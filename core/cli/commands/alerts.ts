import type { Command } from 'commander';
import type { AlertView } from '../../../shared/api.js';
import { AlertStore } from '../../anomaly/alert-store.js';
import { openDatabase } from '../../audit/database.js';
import { belayPaths } from '../../paths.js';
import { UsageError } from '../errors.js';

/**
 * `belay alerts` / `belay alerts ack`: unusual behaviour and off-route key use, as
 * recorded in the database (works whether or not Belay is running).
 */
export function register(program: Command): void {
  const alerts = program.command('alerts').description('List and acknowledge alerts (new hosts or tools, spikes, off-route keys, real keys in clients).');

  alerts
    .command('list', { isDefault: true })
    .description('List alerts not yet acknowledged (--all for every alert).')
    .option('--all', 'include acknowledged alerts')
    .option('--json', 'print JSON')
    .action((opts: { all?: boolean; json?: boolean }) => {
      withStore((store) => {
        const list = store.list({ includeAcked: opts.all, limit: 1000 });
        if (opts.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else if (list.length === 0) process.stdout.write(opts.all ? 'No alerts.\n' : 'No open alerts.\n');
        else for (const a of list) process.stdout.write(`${line(a)}\n`);
      });
    });

  alerts
    .command('ack [id]')
    .description('Acknowledge one alert by id, or every open alert with --all.')
    .option('--all', 'acknowledge every open alert')
    .action((id: string | undefined, opts: { all?: boolean }) => {
      if (!id && !opts.all) throw new UsageError('Name the alert to acknowledge (see `belay alerts`), or pass --all.');
      withStore((store) => {
        if (opts.all) {
          process.stdout.write(`Acknowledged ${store.ackAll('cli')} alert(s).\n`);
          return;
        }
        const found = store.get(id as string);
        if (!found) {
          process.stderr.write(`belay: no alert with id "${id}" (see \`belay alerts --all\`).\n`);
          process.exitCode = 1;
          return;
        }
        if (!store.ack(id as string, 'cli')) process.stdout.write(`Alert ${id} was already acknowledged.\n`);
        else process.stdout.write(`Acknowledged ${id}.\n`);
      });
    });
}

function withStore(fn: (store: AlertStore) => void): void {
  const db = openDatabase(belayPaths().database);
  try {
    // Listing and acknowledging never raise alerts, so nothing is appended to the log here.
    fn(new AlertStore(db, { append: () => { throw new Error('the alerts command does not write audit events'); } }, () => 3_600_000));
  } finally {
    db.close();
  }
}

function line(a: AlertView): string {
  const count = a.count > 1 ? ` (×${a.count})` : '';
  const ack = a.acked ? ` [acknowledged${a.ackedBy ? ` by ${a.ackedBy}` : ''}]` : '';
  return `${a.id}  ${a.lastAt.replace('T', ' ').slice(0, 19)}  ${a.severity.padEnd(6)} ${a.kind}${count}  ${a.message}${ack}`;
}
