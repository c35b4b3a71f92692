/**
 * The subset of Electron's API that Belay's main process and preload use, with the
 * signatures of Electron 45's official electron.d.ts. Electron is an optional
 * dependency whose package (and binary) cannot be installed everywhere Belay is built
 * and tested, so electron/tsconfig.json maps 'electron' here; where the real package is
 * installed, the mapping can be dropped to check against the full official types.
 */
export type Event = { preventDefault(): void; readonly defaultPrevented?: boolean };

export interface NativeImage {
  isEmpty(): boolean;
  setTemplateImage(option: boolean): void;
}
export declare const nativeImage: { createFromPath(path: string): NativeImage };

export interface LoginItemSettings {
  openAtLogin: boolean;
}

export interface App {
  readonly isPackaged: boolean;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<void>;
  quit(): void;
  exit(exitCode?: number): void;
  on(event: 'second-instance' | 'window-all-closed' | 'activate', listener: (...args: unknown[]) => void): this;
  on(event: 'before-quit' | 'will-quit', listener: (event: Event) => void): this;
  on(event: 'web-contents-created', listener: (event: Event, contents: WebContents) => void): this;
  getLoginItemSettings(): LoginItemSettings;
  setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean }): void;
  getVersion(): string;
  setAppUserModelId(id: string): void;
  dock?: { hide(): void; show(): Promise<void> };
}
export declare const app: App;

export interface HandlerDetails {
  url: string;
}
export interface Session {
  setPermissionRequestHandler(handler: ((webContents: WebContents, permission: string, callback: (granted: boolean) => void) => void) | null): void;
  setPermissionCheckHandler(handler: ((webContents: WebContents | null, permission: string) => boolean) | null): void;
}
export declare const session: { defaultSession: Session };

export interface WebContents {
  readonly id: number;
  readonly session: Session;
  on(event: 'will-navigate' | 'will-redirect', listener: (event: Event, url: string) => void): this;
  on(event: 'will-attach-webview', listener: (event: Event) => void): this;
  setWindowOpenHandler(handler: (details: HandlerDetails) => { action: 'deny' } | { action: 'allow' }): void;
  getURL(): string;
}

export interface WebPreferences {
  preload?: string;
  contextIsolation?: boolean;
  sandbox?: boolean;
  nodeIntegration?: boolean;
  nodeIntegrationInSubFrames?: boolean;
  nodeIntegrationInWorker?: boolean;
  webSecurity?: boolean;
  allowRunningInsecureContent?: boolean;
  webviewTag?: boolean;
  spellcheck?: boolean;
  navigateOnDragDrop?: boolean;
  safeDialogs?: boolean;
}

export interface BrowserWindowConstructorOptions {
  width?: number;
  height?: number;
  minWidth?: number;
  minHeight?: number;
  show?: boolean;
  title?: string;
  alwaysOnTop?: boolean;
  resizable?: boolean;
  minimizable?: boolean;
  maximizable?: boolean;
  fullscreenable?: boolean;
  skipTaskbar?: boolean;
  autoHideMenuBar?: boolean;
  backgroundColor?: string;
  webPreferences?: WebPreferences;
}

export declare class BrowserWindow {
  constructor(options?: BrowserWindowConstructorOptions);
  readonly webContents: WebContents;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  close(): void;
  destroy(): void;
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  setAlwaysOnTop(flag: boolean, level?: 'normal' | 'floating' | 'torn-off-menu' | 'modal-panel' | 'main-menu' | 'status' | 'pop-up-menu' | 'screen-saver'): void;
  on(event: 'closed' | 'ready-to-show' | 'focus' | 'blur', listener: () => void): this;
  once(event: 'closed' | 'ready-to-show', listener: () => void): this;
}

export interface MenuItemConstructorOptions {
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  enabled?: boolean;
  checked?: boolean;
  visible?: boolean;
  click?: () => void;
  submenu?: MenuItemConstructorOptions[];
  accelerator?: string;
  id?: string;
}
export declare class Menu {
  static buildFromTemplate(template: MenuItemConstructorOptions[]): Menu;
}

export declare class Tray {
  constructor(image: NativeImage | string);
  setImage(image: NativeImage | string): void;
  setToolTip(toolTip: string): void;
  setTitle(title: string): void;
  setContextMenu(menu: Menu | null): void;
  on(event: 'click' | 'double-click', listener: () => void): this;
  destroy(): void;
  isDestroyed(): boolean;
}

export interface NotificationAction {
  type: 'button';
  text: string;
}
export interface NotificationConstructorOptions {
  title: string;
  body?: string;
  silent?: boolean;
  urgency?: 'normal' | 'critical' | 'low';
  timeoutType?: 'default' | 'never';
  actions?: NotificationAction[];
  closeButtonText?: string;
}
export declare class Notification {
  static isSupported(): boolean;
  constructor(options?: NotificationConstructorOptions);
  show(): void;
  close(): void;
  on(event: 'action', listener: (event: Event, index: number) => void): this;
  on(event: 'click' | 'close' | 'failed', listener: () => void): this;
}

export interface WebFrameMain {
  readonly url: string;
  readonly parent: WebFrameMain | null;
}
export interface IpcMainInvokeEvent {
  readonly sender: WebContents;
  readonly senderFrame: WebFrameMain | null;
}
export interface IpcMain {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}
export declare const ipcMain: IpcMain;

export declare const shell: {
  openExternal(url: string): Promise<void>;
  openPath(path: string): Promise<string>;
};

export declare const contextBridge: { exposeInMainWorld(apiKey: string, api: unknown): void };
export declare const ipcRenderer: { invoke(channel: string, ...args: unknown[]): Promise<unknown> };
