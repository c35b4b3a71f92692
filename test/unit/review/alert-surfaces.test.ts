import { describe, expect, it, vi } from 'vitest';
import { buildStatus, statusKey } from '../../../core/control/status.js';
import type { ControlServices } from '../../../core/control/services.js';
import { buildTrayMenu, type MenuActions } from '../../../electron/menu.js';

// Where open alerts surface outside the Review page: the status every face reads, and the tray menu.
const services = (open?: number): ControlServices => ({
  info: () => ({ version: '0.0.0', startedAt: new Date(0).toISOString(), dataDir: '/tmp/x' }),
  events: { query: () => [], get: () => undefined, readSince: () => [], stats: () => ({ total: 0, lastSeq: 0 }) },
  ...(open === undefined ? {} : { alerts: { list: () => [], openCount: () => open, ack: () => false, ackAll: () => 0 } }),
});

describe('open alerts outside the review page', () => {
  it('the status carries the open-alert count, and a change of it is a status change', () => {
    expect(buildStatus(services(), 'http://x').openAlerts).toBeUndefined();
    const two = buildStatus(services(2), 'http://x');
    expect(two.openAlerts).toBe(2);
    expect(statusKey(two)).not.toBe(statusKey(buildStatus(services(3), 'http://x')));
  });

  it('the tray menu offers the open alerts, opening the dashboard on the Review tab', () => {
    const actions = { openDashboard: vi.fn() } as unknown as MenuActions;
    const status = buildStatus(services(2), 'http://x');
    const item = buildTrayMenu({ status, pending: [] }, actions).find((i) => i.id === 'alerts');
    expect(item?.label).toBe('2 open alert(s): review…');
    (item?.click as () => void)();
    expect(actions.openDashboard).toHaveBeenCalledWith('review');
    expect(buildTrayMenu({ status: buildStatus(services(0), 'http://x'), pending: [] }, actions).some((i) => i.id === 'alerts')).toBe(false);
  });
});
