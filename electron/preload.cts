// Sandboxed preloads run as CommonJS with a limited `require`; this exposes one narrow,
// typed object and never ipcRenderer itself. Channel names mirror preload-api.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS: require is the only import it has
import electron = require('electron');

const { contextBridge, ipcRenderer } = electron;

const api = {
  promptDone(approvalId: string, outcome: 'allowed' | 'denied' | 'gone'): void {
    void ipcRenderer.invoke('belay:prompt-done', String(approvalId), outcome);
  },
  openExternal(url: string): void {
    void ipcRenderer.invoke('belay:open-external', String(url));
  },
};

contextBridge.exposeInMainWorld('belay', Object.freeze(api));
