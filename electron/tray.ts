import { Menu, Tray, nativeImage } from 'electron';
import type { LinkState } from './core-link.js';
import { buildTrayMenu, type MenuActions } from './menu.js';
import { trayIconPath, trayView } from './tray-state.js';

export interface TrayController {
  update(state: LinkState): void;
  destroy(): void;
}

/** The tray icon and its menu, redrawn from the linked core state. */
export function setupTray(opts: { resourcesDir: string; actions: MenuActions; startAtLogin: () => boolean | undefined; platform?: NodeJS.Platform }): TrayController {
  const platform = opts.platform ?? process.platform;
  const image = (icon: ReturnType<typeof trayView>['icon']) => {
    const img = nativeImage.createFromPath(trayIconPath(opts.resourcesDir, icon, platform));
    if (platform === 'darwin') img.setTemplateImage(true);
    return img;
  };
  const tray = new Tray(image('paused'));
  let lastIcon = '';
  let state: LinkState = { pending: [] };
  tray.on('click', () => opts.actions.openDashboard());

  const update = (next: LinkState) => {
    state = next;
    const view = trayView(state.status, state.error);
    if (view.icon !== lastIcon) {
      tray.setImage(image(view.icon));
      lastIcon = view.icon;
    }
    tray.setToolTip(`Belay — ${view.statusLine}`);
    if (platform === 'darwin') tray.setTitle(view.title);
    tray.setContextMenu(Menu.buildFromTemplate(buildTrayMenu({ status: state.status, coreError: state.error, pending: state.pending, startAtLogin: opts.startAtLogin() }, opts.actions)));
  };
  update(state);
  return { update, destroy: () => tray.destroy() };
}
