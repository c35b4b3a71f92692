import { vi } from 'vitest';

/** A recording stand-in for the parts of Electron the main-process modules use. */
export function electronMock() {
  const windows: FakeWindow[] = [];
  const notifications: FakeNotification[] = [];
  const trays: FakeTray[] = [];
  const ipcHandlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();

  class FakeWebContents {
    handlers: Record<string, ((...a: unknown[]) => void)[]> = {};
    openHandler?: (d: { url: string }) => { action: string };
    on(event: string, fn: (...a: unknown[]) => void) {
      (this.handlers[event] ??= []).push(fn);
      return this;
    }
    setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
      this.openHandler = fn;
    }
    getURL() {
      return '';
    }
  }
  class FakeWindow {
    webContents = new FakeWebContents();
    url?: string;
    closed = false;
    alwaysOnTop?: [boolean, string | undefined];
    listeners: Record<string, (() => void)[]> = {};
    constructor(readonly options: Record<string, any>) {
      windows.push(this);
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
    setAlwaysOnTop(flag: boolean, level?: string) {
      this.alwaysOnTop = [flag, level];
    }
    on(e: string, fn: () => void) {
      (this.listeners[e] ??= []).push(fn);
      return this;
    }
    once(e: string, fn: () => void) {
      return this.on(e, fn);
    }
    show() {}
    focus() {}
    isMinimized() {
      return false;
    }
    restore() {}
    isDestroyed() {
      return this.closed;
    }
    close() {
      this.closed = true;
      for (const fn of this.listeners.closed ?? []) fn();
    }
    destroy() {
      this.close();
    }
  }
  class FakeNotification {
    static isSupported = () => true;
    listeners: Record<string, ((...a: any[]) => void)[]> = {};
    shown = false;
    closed = false;
    constructor(readonly options: Record<string, any>) {
      notifications.push(this);
    }
    on(e: string, fn: (...a: any[]) => void) {
      (this.listeners[e] ??= []).push(fn);
      return this;
    }
    show() {
      this.shown = true;
    }
    close() {
      this.closed = true;
    }
    fire(e: string, ...a: any[]) {
      for (const fn of this.listeners[e] ?? []) fn(...a);
    }
  }
  class FakeTray {
    image: unknown;
    tooltip = '';
    title = '';
    menu: unknown;
    constructor(image: unknown) {
      this.image = image;
      trays.push(this);
    }
    setImage(i: unknown) {
      this.image = i;
    }
    setToolTip(t: string) {
      this.tooltip = t;
    }
    setTitle(t: string) {
      this.title = t;
    }
    setContextMenu(m: unknown) {
      this.menu = m;
    }
    on() {
      return this;
    }
    destroy() {}
    isDestroyed() {
      return false;
    }
  }
  const module = {
    BrowserWindow: FakeWindow,
    Notification: FakeNotification,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: unknown[]) => ({ template }) },
    nativeImage: { createFromPath: (p: string) => ({ path: p, template: false, isEmpty: () => false, setTemplateImage(this: { template: boolean }, v: boolean) { this.template = v; } }) },
    ipcMain: { handle: (ch: string, fn: (event: unknown, ...args: unknown[]) => unknown) => ipcHandlers.set(ch, fn), removeHandler: (ch: string) => ipcHandlers.delete(ch) },
    shell: { openExternal: vi.fn(async () => {}), openPath: vi.fn(async () => '') },
    app: {},
    session: { defaultSession: {} },
  };
  return { module, windows, notifications, trays, ipcHandlers, FakeWebContents };
}

export type ElectronMock = ReturnType<typeof electronMock>;
