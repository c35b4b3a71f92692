import { statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { belayPaths } from '../paths.js';
import { loadSiemConfig, type Destination } from './config.js';
import { createSender } from './forwarders/index.js';
import { Outbox } from './outbox.js';
import { loadSecrets, scrubSecrets, type SecretsFile } from './secrets.js';
import { readDestinationStatus, type DestinationStatus } from './status.js';
import type { AuditLogPort, EventSender } from './types.js';
import { DestinationWorker } from './worker.js';
import type { BackoffOptions } from './backoff.js';

export interface SiemForwarderOptions {
  /** siem.json and siem-secrets.json; default: the data folder's. */
  configFile?: string;
  secretsFile?: string;
  /** How often workers look for events written by other processes (default 500 ms). */
  pollMs?: number;
  /** How often siem.json is checked for changes made by `belay siem …` (default 2 s). */
  reloadMs?: number;
  backoff?: BackoffOptions;
  log?: (message: string) => void;
  /** For tests: build the sender for a destination. */
  createSender?: typeof createSender;
}

/**
 * Forwards the audit log to every enabled SIEM destination, one worker each, from the
 * outbox cursors in the same database. Started by the engine; picks up siem.json
 * changes (made by the CLI while the guard runs) without a restart.
 */
export class SiemForwarder {
  private db: Database | undefined;
  private audit: AuditLogPort | undefined;
  private workers = new Map<string, { worker: DestinationWorker; fingerprint: string }>();
  private destinations: Destination[] = [];
  private unsubscribe: (() => void) | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private configStamp = '';
  private readonly configFile: string;
  private readonly secretsFile: string;

  constructor(private readonly opts: SiemForwarderOptions = {}) {
    const paths = belayPaths();
    this.configFile = opts.configFile ?? paths.siem;
    this.secretsFile = opts.secretsFile ?? paths.siemSecrets;
  }

  /**
   * Starts a worker per enabled destination. An invalid siem.json does not stop the
   * guard: the error is logged (and `belay siem status` shows it), and the file is
   * watched so fixing it starts forwarding.
   */
  start(db: Database, audit: AuditLogPort): void {
    if (this.db) return;
    this.db = db;
    this.audit = audit;
    try {
      this.reload();
    } catch (err) {
      this.configStamp = this.stamp();
      this.log(`SIEM forwarding is not running: ${(err as Error).message}`);
    }
    // Events this process commits wake the workers at once; other writers are found by polling.
    this.unsubscribe = audit.subscribe?.(() => {
      for (const { worker } of this.workers.values()) worker.wake();
    });
    this.reloadTimer = setInterval(() => {
      try {
        if (this.stamp() !== this.configStamp) this.reload();
      } catch (err) {
        this.log(`SIEM: siem.json changed but could not be loaded; keeping the previous destinations. ${(err as Error).message}`);
      }
    }, this.opts.reloadMs ?? 2000);
    this.reloadTimer.unref();
  }

  /** Re-reads siem.json and the secrets; restarts only the workers whose settings changed. */
  reload(): void {
    if (!this.db || !this.audit) return;
    const stamp = this.stamp();
    const cfg = loadSiemConfig(this.configFile);
    const secrets = loadSecrets(this.secretsFile);
    this.configStamp = stamp;
    this.destinations = cfg.destinations;
    const wanted = new Map(cfg.destinations.filter((d) => d.enabled).map((d) => [d.name, d]));
    for (const [name, w] of this.workers) {
      const d = wanted.get(name);
      if (!d || fingerprint(d, secrets) !== w.fingerprint) {
        this.workers.delete(name);
        void w.worker.stop(2000);
      }
    }
    for (const d of wanted.values()) {
      if (this.workers.has(d.name)) continue;
      let sender: EventSender;
      try {
        sender = (this.opts.createSender ?? createSender)(d, secrets[d.name]);
      } catch (err) {
        const msg = scrubSecrets((err as Error).message, secrets[d.name]);
        this.log(`SIEM "${d.name}" not started: ${msg}`);
        const outbox = new Outbox(this.db);
        outbox.ensure(d.name, d.startAt);
        outbox.recordFailure(d.name, `not started: ${msg}`, 0);
        continue;
      }
      const worker = new DestinationWorker({
        db: this.db,
        audit: this.audit,
        outbox: new Outbox(this.db),
        dest: d,
        secrets: secrets[d.name],
        sender,
        pollMs: this.opts.pollMs,
        backoff: this.opts.backoff,
        log: this.opts.log,
      });
      this.workers.set(d.name, { worker, fingerprint: fingerprint(d, secrets) });
      worker.start();
    }
  }

  /** Lets each worker send what is waiting, within the deadline; unsent events stay in the outbox. */
  async stop(deadlineMs = 5000): Promise<void> {
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    this.reloadTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const all = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(all.map(({ worker }) => worker.stop(deadlineMs)));
    this.db = undefined;
    this.audit = undefined;
  }

  status(): DestinationStatus[] {
    if (!this.db) return [];
    return readDestinationStatus(this.db, this.destinations).map((s) => {
      const live = this.workers.get(s.name)?.worker.live();
      return live ? { ...s, inFlight: live.inFlight } : s;
    });
  }

  private stamp(): string {
    const parts = [this.configFile, this.secretsFile].map((f) => {
      try {
        const st = statSync(f);
        return `${st.mtimeMs}:${st.size}`;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
        throw err;
      }
    });
    return parts.join('|');
  }

  private log(message: string): void {
    (this.opts.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(message);
  }
}

function fingerprint(d: Destination, secrets: SecretsFile): string {
  return JSON.stringify([d, secrets[d.name] ?? null]);
}
