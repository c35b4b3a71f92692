import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { openDatabase } from '../../audit/database.js';
import { readControlFile } from '../../control/control-file.js';
import { belayPaths } from '../../paths.js';
import { dashboardEventLink } from '../../review/links.js';
import { reviewFromDatabase } from '../../review/load-review.js';
import { reviewHtml, reviewMarkdown } from '../../review/render-review.js';
import { parseChoice, parseTime } from '../parse.js';

/**
 * `belay review`: what the copilots did in a period (default: the last 7 days), per
 * client, key actions first, each with its event id. Reads the audit database directly,
 * so it works whether or not Belay is running.
 */
export function register(program: Command): void {
  program
    .command('review')
    .description('Review what each copilot did: calls, cost, asks, refusals, timeouts, tool changes, alerts (default: last 7 days).')
    .option('--since <time>', 'start: ISO time or an age like 7d, 24h (default 7d)', (v) => parseTime(v))
    .option('--until <time>', 'end: ISO time or an age (default now)', (v) => parseTime(v))
    .option('--format <format>', 'md, html or json', parseChoice(['md', 'html', 'json'] as const), 'md')
    .option('--out <file>', 'write to this file instead of stdout')
    .action((opts: { since?: number; until?: number; format: 'md' | 'html' | 'json'; out?: string }) => {
      const paths = belayPaths();
      const db = openDatabase(paths.database, { readonly: true });
      let report;
      try {
        report = reviewFromDatabase(db, { since: opts.since, until: opts.until });
      } finally {
        db.close();
      }
      // Links open the running Belay's dashboard; when it is not running, event ids only.
      const control = readControlFile(paths.control);
      const link = control ? dashboardEventLink(control.url) : () => undefined;
      const text = opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : opts.format === 'html' ? reviewHtml(report, link) : reviewMarkdown(report, link);
      if (opts.out) {
        writeFileSync(opts.out, text, { mode: 0o600 });
        process.stderr.write(`Review written to ${opts.out}\n`);
      } else {
        process.stdout.write(text);
      }
    });
}
