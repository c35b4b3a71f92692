import { mkdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from 'electron';

export interface LoginItem {
  get(): boolean;
  set(on: boolean): void;
}

/**
 * Start at login. macOS and Windows: Electron's login item settings. Linux has no
 * Electron API for it, so an XDG autostart entry (~/.config/autostart/belay.desktop)
 * that starts the AppImage or the installed binary.
 */
export function loginItem(app: Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): LoginItem {
  if (platform === 'darwin' || platform === 'win32') {
    return {
      get: () => app.getLoginItemSettings().openAtLogin,
      set: (on) => app.setLoginItemSettings({ openAtLogin: on, openAsHidden: true }),
    };
  }
  const dir = path.join(env.XDG_CONFIG_HOME ?? path.join(env.HOME ?? os.homedir(), '.config'), 'autostart');
  const file = path.join(dir, 'belay.desktop');
  // An AppImage runs from a temporary mount: the autostart entry must name the AppImage file itself.
  const exec = env.APPIMAGE ?? process.execPath;
  return {
    get: () => existsSync(file),
    set(on) {
      if (!on) {
        rmSync(file, { force: true });
        return;
      }
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, `[Desktop Entry]\nType=Application\nName=Belay\nComment=Guard for AI dev copilots\nExec="${exec.replace(/"/g, '\\"')}" --hidden\nX-GNOME-Autostart-enabled=true\nTerminal=false\n`);
    },
  };
}
