import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { approvalsService, pauseService } from './approvals/service.js';
import { ApprovalQueue } from './approvals/queue.js';
import { RememberedStore } from './approvals/remembered.js';
import { AuditLog, EVENT_LOOP_BUSY_TIMEOUT_MS } from './audit/audit-log.js';
import { exportEvents } from './audit/export/index.js';
import { safeAppender } from './audit/safe-append.js';
import { startLeastPrivilege } from './anomaly/least-privilege.js';
import { doctorService } from './clients/doctor-service.js';
import { auditEventsService } from './control/audit-events.js';
import { startControlServer, type ControlServer } from './control/server.js';
import { dashboardUrl } from './control/urls.js';
import { usageFromDatabase } from './control/usage.js';
import { BudgetTracker, defaultDetectors } from './detectors/index.js';
import { inventoryService, policyService, settingsService } from './engine-services.js';
import { tuneHeapForEngine } from './heap-tuning.js';
import { Inventory } from './inventory/index.js';
import { packageRoot } from './package-root.js';
import { belayPaths, ensureDataDir, type BelayPaths } from './paths.js';
import { acceptChangedToolsOnRemember } from './pipeline/accept-changed-tools.js';
import { createGuard } from './pipeline/guard.js';
import { McpDoor } from './pipeline/mcp-door.js';
import { PauseSwitch } from './pipeline/pause.js';
import { PolicyStore } from './policy/store.js';
import { attributeClient } from './protocols/client-attribution.js';
import { McpHttpSessions } from './protocols/mcp/index.js';
import { ensureCa, startLeafKeyGeneration, type LocalCa } from './proxy/ca.js';
import { createProtocolAnalyzer } from './proxy/protocol-analyzer.js';
import type { RunningProxy } from './proxy/proxy.js';
import { loadSettings, type Settings } from './settings.js';
import { SiemForwarder } from './siem/forwarder.js';
import { pruneEvents } from './siem/retention.js';
import { TimelineLinker } from './timeline/index.js';

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
  approvals: ApprovalQueue;
  policy: PolicyStore;
  inventory: Inventory;
  /** The control API the faces use. */
  control: { url: string; token: string; dashboardUrl: string };
  startedAt: number;
  /** Stops accepting traffic, then flushes the log, within `deadlineMs`. */
  stop(deadlineMs?: number): Promise<void>;
}

/**
 * Starts the guard: data folder, CA, audit log, guard pipeline (detectors → policy →
 * remembered answers → the human), proxy, SIEM forwarding and the control API. The same
 * function serves `belay serve` and the tray app, so both run exactly the same engine.
 */
export async function startBelay(opts: StartOptions = {}): Promise<Belay> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`belay: ${m}\n`));
  const startedAt = Date.now();
  tuneHeapForEngine();
  const paths = belayPaths(opts.dataDir);
  ensureDataDir(paths);
  const settings = loadSettings(paths);
  const ca = await ensureCa(paths);
  // The proxy's modules (mockttp's server, most of start-up's loading) are imported below,
  // after the leaf-certificate key has begun on a worker thread, so the two overlap.
  await startLeafKeyGeneration(ca);
  const audit = AuditLog.open(paths.database, {
    nativeBinding: opts.sqliteBinding,
    eventLoopBusyTimeoutMs: EVENT_LOOP_BUSY_TIMEOUT_MS,
    onError: (err, info) => warn(`audit log write failed (${info.pending} events waiting, will retry): ${err.message}`),
  });
  const cleanups: (() => unknown)[] = [() => audit.close()];
  let stopping: Promise<void> | undefined;
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn();
  };
  try {
    const policy = PolicyStore.open(paths.policy, { watch: true, log: warn });
    cleanups.push(() => policy.close());
    const budget = new BudgetTracker();
    const remembered = new RememberedStore(audit.db);
    const approvals = new ApprovalQueue({ db: audit.db, remembered, timeoutMs: settings.approvals.timeoutSeconds * 1000, log: warn });
    cleanups.push(() => approvals.close());
    const pause = new PauseSwitch(paths.pause);
    const guard = createGuard({
      policy,
      detectors: defaultDetectors({ budgetTracker: budget, log: warn }),
      approvals,
      remembered,
      pause,
      context: { homeDir: os.homedir(), belayHome: paths.home },
      log: warn,
    });
    const inventory = new Inventory(audit.db);
    cleanups.push(acceptChangedToolsOnRemember(approvals, inventory));
    const linker = new TimelineLinker();
    const analyzer = createProtocolAnalyzer({
      mcpSessions: new McpHttpSessions(),
      mcpDoor: new McpDoor(inventory, linker),
      linker,
      record: safeAppender(audit, warn),
      onLlmUsage: (client, usage, costUsd) =>
        budget.record(client, { tokens: (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) + (usage.cacheReadTokens ?? 0), costUsd }),
    });
    // Issue 9: credential broker (at the proxy), anomaly alerts, review.
    const leastPrivilege = startLeastPrivilege({ audit, settings, paths, warn });
    cleanups.push(() => leastPrivilege.stop());
    const { startProxy } = await import('./proxy/proxy.js');
    const proxy = await startProxy(
      { ca, settings, guard, analyzer, audit, attributeClient: (h) => attributeClient(h).id, warn, broker: leastPrivilege.broker },
      opts.proxyPort ?? settings.proxy.port,
    );
    cleanups.push(() => proxy.stop());

    // Its files come from this engine's data folder (dataDir), not from BELAY_HOME.
    const siem = new SiemForwarder({ log: warn, configFile: paths.siem, secretsFile: paths.siemSecrets });
    siem.start(audit.db, audit);
    cleanups.push(() => siem.stop(3000));
    const retention = scheduleRetention(audit, settings, warn);
    cleanups.push(() => clearInterval(retention));

    const version = packageVersion();
    const control: ControlServer = await startControlServer(
      {
        info: () => ({
          version,
          startedAt: new Date(startedAt).toISOString(),
          proxy: { host: '127.0.0.1', port: proxy.port },
          dataDir: paths.home,
          error: policy.lastError() ? `policy.yaml is invalid, the last good policy is in force: ${policy.lastError()?.message ?? ''}` : undefined,
        }),
        events: auditEventsService(audit),
        approvals: approvalsService(approvals, remembered),
        pause: pauseService(pause),
        policy: policyService(policy, audit.db),
        inventory: inventoryService(inventory),
        usage: usageFromDatabase(audit.db),
        settings: settingsService(paths),
        doctor: doctorService(paths, { port: () => proxy.port }),
        alerts: leastPrivilege.alerts,
        review: leastPrivilege.review,
        exports: { run: (o, out) => exportEvents(audit.db, o, out) },
      },
      { paths, port: settings.control.port, staticDir: dashboardDir(), log: warn },
    );
    cleanups.push(() => control.close());

    return {
      paths,
      settings,
      ca,
      audit,
      proxy,
      approvals,
      policy,
      inventory,
      control: { url: control.url, token: control.token, dashboardUrl: dashboardUrl(control) },
      startedAt,
      stop(deadlineMs = 5000) {
        // A second stop (quit from the tray while a signal arrives, a test's cleanup) waits for
        // the first instead of closing servers that are already closed (which throws).
        stopping ??= (async () => {
          await withDeadline(cleanup(), deadlineMs, () => warn(`Belay did not stop within ${deadlineMs} ms; closing the audit log now`));
          audit.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

const RETENTION_INTERVAL_MS = 6 * 3600_000;

/**
 * Retention (settings.audit.retentionDays / retentionMaxBytes) runs at start and every six
 * hours. pruneEvents records what it removes, including events not yet forwarded to a SIEM.
 */
function scheduleRetention(audit: AuditLog, settings: Settings, warn: (m: string) => void): NodeJS.Timeout {
  const { retentionDays, retentionMaxBytes } = settings.audit;
  const run = () => {
    if (retentionDays === undefined && retentionMaxBytes === undefined) return;
    try {
      pruneEvents(audit, { maxDays: retentionDays, maxBytes: retentionMaxBytes });
    } catch (err) {
      warn(`retention failed (events are kept): ${(err as Error).message}`);
    }
  };
  run();
  const timer = setInterval(run, RETENTION_INTERVAL_MS);
  timer.unref();
  return timer;
}

function dashboardDir(): string | undefined {
  const dir = path.join(packageRoot(), 'dist', 'renderer');
  return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
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
