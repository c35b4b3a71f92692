import type { GuardState, StatusResponse } from '../../shared/api.js';
import type { ControlServices } from './services.js';

/** The status every face shows, computed from the services on each call (cheap: counts and flags). */
export function buildStatus(services: ControlServices, controlUrl: string): StatusResponse {
  const info = services.info();
  const pause = services.pause?.state() ?? { paused: false };
  const pending = services.approvals?.list().length ?? 0;
  const missed = services.approvals?.missed?.() ?? 0;
  const events = services.events.stats();
  return {
    running: true,
    version: info.version,
    pid: process.pid,
    startedAt: info.startedAt,
    state: stateOf({ error: info.error, paused: pause.paused, pending, missed }),
    paused: pause.paused,
    ...(pause.pausedUntil ? { pausedUntil: pause.pausedUntil } : {}),
    ...(info.proxy ? { proxy: info.proxy } : {}),
    controlUrl,
    dataDir: info.dataDir,
    pendingApprovals: pending,
    missedApprovals: missed,
    ...(services.alerts ? { openAlerts: services.alerts.openCount() } : {}),
    events,
    ...(info.error ? { error: info.error } : {}),
  };
}

/** Error beats everything (the user must know the guard is broken); then waiting humans; then pause. */
export function stateOf(s: { error?: string; paused: boolean; pending: number; missed: number }): GuardState {
  if (s.error) return 'error';
  if (s.pending > 0 || s.missed > 0) return 'attention';
  if (s.paused) return 'paused';
  return 'guarding';
}

/** The part of the status whose change is worth a live message (not the event counters). */
export function statusKey(s: StatusResponse): string {
  return JSON.stringify([s.state, s.paused, s.pausedUntil, s.pendingApprovals, s.missedApprovals, s.openAlerts, s.error, s.proxy?.port]);
}
