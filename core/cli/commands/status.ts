import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type { Command } from 'commander';
import type { OfflineStatus, StatusResponse } from '../../../shared/api.js';
import { connectControl } from '../../control/client.js';
import { belayPaths, type BelayPaths } from '../../paths.js';

/** What is in the data folder when Belay is not running (read-only: never creates or migrates anything). */
export function offlineStatus(paths: BelayPaths): OfflineStatus {
  const out: OfflineStatus = { running: false, dataDir: paths.home };
  if (!existsSync(paths.database)) return out;
  const db = new BetterSqlite3(paths.database, { readonly: true, fileMustExist: true });
  try {
    const hasEvents = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
    const head = hasEvents ? (db.prepare('SELECT seq, time FROM events ORDER BY seq DESC LIMIT 1').get() as { seq: number; time: string } | undefined) : undefined;
    out.database = { path: paths.database, events: head?.seq ?? 0, lastSeq: head?.seq ?? 0, ...(head ? { lastEventAt: head.time } : {}) };
  } finally {
    db.close();
  }
  return out;
}

export function formatStatus(s: StatusResponse | OfflineStatus): string {
  if (!s.running) {
    const lines = ['Belay is not running. Start it with `belay serve` (headless) or `npm start` (tray app).', `  data folder : ${s.dataDir}`];
    if (s.database) {
      lines.push(`  audit log   : ${s.database.path} (${s.database.events} events${s.database.lastEventAt ? `, last at ${s.database.lastEventAt}` : ''})`);
    } else lines.push('  audit log   : none yet');
    return lines.join('\n');
  }
  const state = { guarding: 'guarding', paused: 'PAUSED (traffic flows unchecked)', attention: 'waiting for you', error: 'ERROR' }[s.state];
  const lines = [
    `Belay ${s.version} is running (pid ${s.pid}): ${state}`,
    ...(s.error ? [`  error       : ${s.error}`] : []),
    ...(s.pausedUntil ? [`  paused until: ${s.pausedUntil}`] : []),
    ...(s.proxy ? [`  proxy       : http://${s.proxy.host}:${s.proxy.port}`] : []),
    `  dashboard   : ${s.controlUrl} (open it with \`belay open\`)`,
    `  approvals   : ${s.pendingApprovals} pending${s.missedApprovals ? `, ${s.missedApprovals} missed` : ''}`,
    `  events      : ${s.events.total}`,
    `  data folder : ${s.dataDir}`,
    `  since       : ${s.startedAt}`,
  ];
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('status')
    .description('Show whether Belay is running, guarding or paused, pending approvals, and where its data lives.')
    .option('--json', 'print JSON (running: false when Belay is not running)')
    .action(async (opts: { json?: boolean }) => {
      const paths = belayPaths();
      const client = await connectControl(paths);
      const status: StatusResponse | OfflineStatus = client ? await client.status() : offlineStatus(paths);
      process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
    });
}
