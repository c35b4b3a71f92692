import type { AlertView, ReviewReport } from '../../shared/api.js';
import type { AuditLog } from '../audit/audit-log.js';
import { CredentialBroker } from '../broker/broker.js';
import { storeOfKind } from '../broker/choose-store.js';
import { KeyRegistry } from '../broker/key-registry.js';
import type { BelayPaths } from '../paths.js';
import { reviewFromDatabase } from '../review/load-review.js';
import type { Settings } from '../settings.js';
import { AlertStore } from './alert-store.js';
import { AnomalyDetector } from './detector.js';
import { AnomalyMonitor } from './monitor.js';

/** The control API's view of alerts (core/control/services.ts AlertsService). */
export interface AlertsPort {
  list(opts: { includeAcked?: boolean; limit?: number }): AlertView[];
  openCount(): number;
  ack(id: string, by: string): boolean;
  ackAll(by: string): number;
}

export interface LeastPrivilege {
  broker: CredentialBroker;
  alertStore: AlertStore;
  monitor: AnomalyMonitor;
  alerts: AlertsPort;
  review: { review(period: { since?: number; until?: number }): ReviewReport };
  stop(): void;
}

/**
 * Issue 9 in one place for the engine: the credential broker (given to the proxy), the
 * alert store, the anomaly monitor tailing the audit log (which also charges brokered
 * keys' budgets), and the services the control API exposes.
 */
export function startLeastPrivilege(deps: { audit: AuditLog; settings: Settings; paths: BelayPaths; warn(message: string): void; pollMs?: number }): LeastPrivilege {
  const { audit, settings, paths, warn } = deps;
  const alertStore = new AlertStore(audit.db, audit, () => settings.anomaly.windowMinutes * 60_000);
  const broker = new CredentialBroker({
    registry: new KeyRegistry(audit.db),
    storeFor: (kind) => storeOfKind(kind, paths),
    alerts: alertStore,
    flagRealKeys: settings.broker.flagRealKeys,
    warn,
  });
  const detector = new AnomalyDetector(audit.db, alertStore, () => settings.anomaly);
  const monitor = new AnomalyMonitor(audit, detector, alertStore, { warn, pollMs: deps.pollMs, onEvent: (e) => broker.recordUsage(e) });
  monitor.start();
  const usesTimer = setInterval(() => broker.flushUses(), 1000);
  usesTimer.unref();
  return {
    broker,
    alertStore,
    monitor,
    alerts: {
      list: (o) => alertStore.list(o),
      openCount: () => alertStore.openCount(),
      ack: (id, by) => alertStore.ack(id, by),
      ackAll: (by) => alertStore.ackAll(by),
    },
    review: { review: (period) => reviewFromDatabase(audit.db, period) },
    stop: () => {
      clearInterval(usesTimer);
      monitor.stop();
      broker.flushUses();
    },
  };
}
