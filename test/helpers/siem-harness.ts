import path from 'node:path';
import { AuditLog } from '../../core/audit/audit-log.js';
import { belayPaths, ensureDataDir } from '../../core/paths.js';
import { parseDestination, saveSiemConfig, type DestinationInput } from '../../core/siem/config.js';
import { SiemForwarder } from '../../core/siem/forwarder.js';
import { saveSecrets, type SecretsFile } from '../../core/siem/secrets.js';
import { sampleEvent } from './audit-fixtures.js';

/** A real audit database, siem.json + secrets in the test's data folder, and a fast-polling SiemForwarder. */
export interface SiemHarness {
  audit: AuditLog;
  forwarder: SiemForwarder;
  logs: string[];
  /** Appends `count` sample events and commits them; returns their ids in order. */
  write(count: number): string[];
  configure(dests: DestinationInput[], secrets?: SecretsFile): void;
  close(): Promise<void>;
}

let counter = 0;

export function fastBatch(maxEvents = 10) {
  return { maxEvents, maxBytes: 1024 * 1024, maxDelayMs: 30 };
}

export function openHarness(): SiemHarness {
  const paths = belayPaths();
  ensureDataDir(paths);
  const audit = AuditLog.open(path.join(paths.home, `siem-${process.pid}-${counter++}.db`), { batchMs: 5 });
  const logs: string[] = [];
  const forwarder = new SiemForwarder({ pollMs: 25, reloadMs: 100, backoff: { baseMs: 40, capMs: 300 }, log: (m) => logs.push(m) });
  let n = 0;
  return {
    audit,
    forwarder,
    logs,
    write(count) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) ids.push(audit.append(sampleEvent(n++)).id);
      audit.flush();
      return ids;
    },
    configure(dests, secrets = {}) {
      saveSecrets(paths.siemSecrets, secrets);
      saveSiemConfig(paths.siem, { destinations: dests.map((d) => parseDestination(d)) });
    },
    async close() {
      await forwarder.stop(2000);
      audit.close();
    },
  };
}

export async function waitUntil(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
