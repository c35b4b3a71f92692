import { BrowserWindow } from 'electron';
import { windowOptions } from './security.js';

/** The dashboard in an app window: the same page and API the browser gets. One window, reused. */
export function createDashboardOpener(control: () => { url: string; token: string } | undefined, log: (m: string) => void) {
  let win: BrowserWindow | undefined;
  return (tab?: string) => {
    const c = control();
    if (!c) return;
    if (win && !win.isDestroyed()) {
      if (win.isMinimized()) win.restore();
      if (tab) win.loadURL(`${c.url}/#${tab}`).catch((err: Error) => log(`dashboard navigation failed: ${err.message}`));
      win.show();
      win.focus();
      return;
    }
    win = new BrowserWindow(windowOptions({ width: 1280, height: 820, minWidth: 720, minHeight: 480, show: false, title: 'Belay', autoHideMenuBar: true }));
    win.once('ready-to-show', () => win?.show());
    win.on('closed', () => {
      win = undefined;
    });
    // The token rides in the fragment (never sent over HTTP); the page keeps it in sessionStorage.
    const params = new URLSearchParams({ token: c.token, ...(tab ? { tab } : {}) });
    win.loadURL(`${c.url}/#${params.toString()}`).catch((err: Error) => log(`could not open the dashboard: ${err.message}`));
  };
}
