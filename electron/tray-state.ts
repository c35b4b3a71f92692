import path from 'node:path';
import type { GuardState, StatusResponse } from '../shared/api.js';

export type TrayIcon = GuardState;

export interface TrayView {
  icon: TrayIcon;
  /** Tooltip and the menu's status line. */
  statusLine: string;
  /** Short text next to the icon where the OS shows one (macOS menu bar): the pending count or a missed mark. */
  title: string;
}

/** What the tray shows for a core status (undefined: the core is not reachable). */
export function trayView(status: StatusResponse | undefined, coreError?: string): TrayView {
  // Not yet heard from the core: grey, never the "guarding" icon before it is true.
  if (!status && !coreError) return { icon: 'paused', statusLine: 'Belay is starting…', title: '' };
  if (!status) return { icon: 'error', statusLine: `Belay is not guarding: ${coreError ?? 'the core is not running'}`, title: '!' };
  const missed = status.missedApprovals > 0 ? ` · ${status.missedApprovals} missed` : '';
  switch (status.state) {
    case 'error':
      return { icon: 'error', statusLine: `Belay error: ${status.error ?? 'unknown'}`, title: '!' };
    case 'attention':
      return {
        icon: 'attention',
        statusLine: status.pendingApprovals > 0 ? `${status.pendingApprovals} waiting for you${missed}` : `Guarding${missed}`,
        title: status.pendingApprovals > 0 ? String(status.pendingApprovals) : '!',
      };
    case 'paused':
      return { icon: 'paused', statusLine: `Paused${status.pausedUntil ? ` until ${new Date(status.pausedUntil).toLocaleTimeString()}` : ''}: traffic is not checked`, title: '' };
    default:
      return { icon: 'guarding', statusLine: `Guarding${status.proxy ? ` on port ${status.proxy.port}` : ''}`, title: '' };
  }
}

/**
 * The icon file for a state on this OS: macOS gets black-and-alpha template images
 * (the menu bar tints them; @2x is picked up automatically), others get colour PNGs.
 */
export function trayIconPath(resourcesDir: string, icon: TrayIcon, platform: NodeJS.Platform = process.platform): string {
  const dir = path.join(resourcesDir, 'tray');
  return platform === 'darwin' ? path.join(dir, `${icon}Template.png`) : path.join(dir, `${icon}.png`);
}
