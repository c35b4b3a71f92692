import type { MenuItemConstructorOptions } from 'electron';
import type { PendingApproval, StatusResponse } from '../shared/api.js';
import { approvalHeadline } from '../shared/summary.js';
import { trayView } from './tray-state.js';

export interface MenuActions {
  review(approvalId: string): void;
  reviewMissed(): void;
  pause(minutes?: number): void;
  resume(): void;
  openDashboard(tab?: string): void;
  connectClient(): void;
  setStartAtLogin(on: boolean): void;
  quit(): void;
}

export interface MenuInput {
  status?: StatusResponse;
  coreError?: string;
  pending: PendingApproval[];
  startAtLogin?: boolean;
}

/** The tray menu, built from state alone (pure: the tests check it item by item). */
export function buildTrayMenu(input: MenuInput, actions: MenuActions): MenuItemConstructorOptions[] {
  const view = trayView(input.status, input.coreError);
  const running = !!input.status;
  const items: MenuItemConstructorOptions[] = [{ id: 'status', label: view.statusLine, enabled: false }, { type: 'separator' }];
  if (input.pending.length > 0) {
    items.push({
      id: 'pending',
      label: `Waiting for you (${input.pending.length})`,
      submenu: input.pending.slice(0, 10).map((a) => ({ id: `review-${a.id}`, label: approvalHeadline(a).slice(0, 80), click: () => actions.review(a.id) })),
    });
  }
  if ((input.status?.missedApprovals ?? 0) > 0) {
    items.push({ id: 'missed', label: `${input.status!.missedApprovals} missed approval(s): review…`, click: () => actions.reviewMissed() });
  }
  // Issue 9: unusual behaviour or off-route key use waiting to be looked at.
  if ((input.status?.openAlerts ?? 0) > 0) {
    items.push({ id: 'alerts', label: `${input.status!.openAlerts} open alert(s): review…`, click: () => actions.openDashboard('review') });
  }
  if (input.status?.paused) {
    items.push({ id: 'resume', label: 'Resume guarding', click: () => actions.resume() });
  } else {
    items.push({
      id: 'pause',
      label: 'Pause guarding',
      enabled: running,
      submenu: [
        { id: 'pause-15', label: 'For 15 minutes', click: () => actions.pause(15) },
        { id: 'pause-60', label: 'For an hour', click: () => actions.pause(60) },
        { id: 'pause-forever', label: 'Until I resume', click: () => actions.pause() },
      ],
    });
  }
  items.push(
    { type: 'separator' },
    { id: 'dashboard', label: 'Open dashboard', enabled: running, click: () => actions.openDashboard() },
    { id: 'connect', label: 'Connect a client…', enabled: running, click: () => actions.connectClient() },
    { type: 'separator' },
  );
  if (input.startAtLogin !== undefined) {
    items.push({ id: 'login', label: 'Start at login', type: 'checkbox', checked: input.startAtLogin, click: () => actions.setStartAtLogin(!input.startAtLogin) });
  }
  items.push({ id: 'quit', label: 'Quit Belay', accelerator: 'CommandOrControl+Q', click: () => actions.quit() });
  return items;
}
