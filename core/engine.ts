import { AuditLog } from './audit/audit-log.js';
import { belayPaths, ensureDataDir, type BelayPaths } from './paths.js';
import { plainHttpAnalyzer, type Analyzer } from './proxy/analyzer.js';
import { ensureCa, type LocalCa } from './proxy/ca.js';
import { startProxy, type RunningProxy } from './proxy/proxy.js';
import { allowAllGuard, type Guard } from './pipeline/verdict.js';
import { loadSettings, type Settings } from './settings.js';

export interface StartOptions {
  /** Data folder; defaults to BELAY_HOME or the OS app-data folder. */
  dataDir?: string;
  proxyPort?: number;
  /** better-sqlite3 native binding built for the host runtime (the Electron app passes its own). */
  sqliteBinding?: string;
  /** Where warnings go (the CLI prints them on stderr; the tray app logs them). */
  warn?: (message: string) => void;
}

export interface Belay {
  paths: BelayPaths;
  settings: Settings;
  ca: LocalCa;
  audit: AuditLog;
  proxy: RunningProxy;
  /** The control API the faces use (absent until it is wired). */
  control?: { url: string; dashboardUrl: string };
  startedAt: number;
  /** Stops accepting traffic, then flushes the log, within `deadlineMs`. */
  stop(deadlineMs?: number): Promise<void>;
}

/**
 * Starts the guard: data folder, CA, audit log, guard pipeline, proxy. The same function
 * serves `belay serve` and the tray app, so both run exactly the same engine.
 */
export async function startBelay(opts: StartOptions = {}): Promise<Belay> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`belay: ${m}\n`));
  const paths = belayPaths(opts.dataDir);
  ensureDataDir(paths);
  const settings = loadSettings(paths);
  const ca = await ensureCa(paths);
  const audit = AuditLog.open(paths.database, {
    nativeBinding: opts.sqliteBinding,
    onError: (err, info) => warn(`audit log write failed (${info.pending} events waiting, will retry): ${err.message}`),
  });
  const guard: Guard = allowAllGuard;
  const analyzer: Analyzer = plainHttpAnalyzer;
  const startedAt = Date.now();
  let proxy: RunningProxy;
  try {
    proxy = await startProxy(
      { ca, settings, guard, analyzer, audit, attributeClient: () => 'unknown', warn },
      opts.proxyPort ?? settings.proxy.port,
    );
  } catch (err) {
    audit.close();
    throw err;
  }
  return {
    paths,
    settings,
    ca,
    audit,
    proxy,
    startedAt,
    async stop(deadlineMs = 5000) {
      await withDeadline(proxy.stop(), deadlineMs, () => warn('the proxy did not stop in time; closing anyway'));
      audit.close();
    },
  };
}

async function withDeadline(work: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
  });
  await Promise.race([work.then(() => undefined), timeout]);
  clearTimeout(timer);
}
