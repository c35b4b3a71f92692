/**
 * The tray app's main process: one flat start-up, one setupX() per feature. The core
 * (the same engine as `belay serve`) runs in this process; every face — tray, prompt
 * windows, dashboard — talks to it through the control API, exactly as a browser does.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, session, shell } from 'electron';
import { startBelay } from '../core/engine.js';
import { ControlClient } from '../core/control/client.js';
import { readControlFile } from '../core/control/control-file.js';
import { linkToCore, type LinkState } from './core-link.js';
import { createDashboardOpener } from './dashboard-window.js';
import { ipcHandler } from './ipc.js';
import { loginItem } from './login-item.js';
import { electronSqliteBinding } from './native-binding.js';
import { IPC, validPromptDone, validUrl } from './preload-api.js';
import { setupPrompts, type PromptController } from './prompts.js';
import { denyAllPermissions, hardenWebContents, isAllowedExternal } from './security.js';
import { shutdownWithDeadline } from './shutdown.js';
import { setupTray, type TrayController } from './tray.js';

const appRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const resourcesDir = path.join(appRoot, 'resources');
const preload = path.join(appRoot, 'dist', 'electron', 'preload.cjs');
const log = (m: string) => process.stderr.write(`belay: ${m}\n`);

let client: ControlClient | undefined;
let stopCore: () => Promise<void> = async () => {};
const controlUrl = () => client?.url;
const openExternal = (url: string) => {
  if (isAllowedExternal(url)) shell.openExternal(url).catch((err: Error) => log(`could not open ${url}: ${err.message}`));
  else log(`refused to open a link outside the allow-list: ${url}`);
};

if (!app.requestSingleInstanceLock()) {
  // Another Belay owns the proxy port and the database writer: hand over to it.
  app.quit();
} else {
  void start();
}

async function start(): Promise<void> {
  await app.whenReady();
  setupSecurity();
  const coreError = await setupCore();
  const openDashboard = createDashboardOpener(() => client?.control, log);
  const prompts = client ? setupPrompts({ api: client, preload, notifications: true, onMissed: () => refresh() }) : undefined;
  setupIpc(prompts);
  const login = loginItem(app);
  let state: LinkState = { pending: [], error: coreError };
  const tray = setupTray({
    resourcesDir,
    startAtLogin: () => login.get(),
    actions: {
      review: (id) => {
        const a = state.pending.find((p) => p.id === id);
        if (a) prompts?.show(a);
      },
      reviewMissed: () => {
        prompts?.clearMissed();
        client?.markSeen().catch((err: Error) => log(`could not clear missed approvals: ${err.message}`));
        openDashboard('approvals');
      },
      pause: (minutes) => void client?.pause(minutes).catch((err: Error) => log(`pause failed: ${err.message}`)),
      resume: () => void client?.resume().catch((err: Error) => log(`resume failed: ${err.message}`)),
      openDashboard: (tab) => openDashboard(tab),
      connectClient: () => openDashboard('connect'),
      setStartAtLogin: (on) => {
        login.set(on);
        refresh();
      },
      quit: () => app.quit(),
    },
  });
  const refresh = () => tray.update(withLocalMissed(state, prompts));
  if (client) {
    const unlink = linkToCore(client, {
      onChange: (s) => {
        state = s;
        refresh();
      },
      onApproval: (change, approval) => prompts?.onApproval(change, approval),
    });
    setupShutdown(() => unlink(), prompts, tray);
  } else {
    refresh();
    setupShutdown(() => {}, prompts, tray);
  }
  app.on('second-instance', () => openDashboard());
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => {});
  app.dock?.hide();
}

/** Every web contents is hardened the moment it exists; pages get no permissions. */
function setupSecurity(): void {
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents, controlUrl, openExternal));
  denyAllPermissions(session.defaultSession);
}

/** Starts the engine in this process; answers an error text when it could not start (the tray then shows it). */
async function setupCore(): Promise<string | undefined> {
  try {
    const belay = await startBelay({ sqliteBinding: electronSqliteBinding(appRoot, app.isPackaged), warn: log });
    stopCore = () => belay.stop(4000);
    const control = readControlFile(belay.paths.control);
    if (!control) return 'the control API did not start';
    client = new ControlClient(control);
    return undefined;
  } catch (err) {
    log(`the core could not start: ${(err as Error).message}`);
    return (err as Error).message;
  }
}

function setupIpc(prompts: PromptController | undefined): void {
  ipcHandler(IPC.promptDone, controlUrl, validPromptDone, (_e, id, _outcome) => prompts?.close(id));
  ipcHandler(IPC.openExternal, controlUrl, validUrl, (_e, url) => openExternal(url));
}

function setupShutdown(unlink: () => void, prompts: PromptController | undefined, tray: TrayController): void {
  const quit = shutdownWithDeadline(() => stopCore(), { deadlineMs: 5000, exit: (code) => app.exit(code), log });
  app.on('before-quit', (event) => {
    event.preventDefault();
    unlink();
    prompts?.closeAll();
    tray.destroy();
    void quit();
  });
}

/** The tray's missed mark counts what the core reports and what this process saw expire unanswered. */
function withLocalMissed(state: LinkState, prompts: PromptController | undefined): LinkState {
  const local = prompts?.missed() ?? 0;
  if (!state.status || local <= state.status.missedApprovals) return state;
  const status = { ...state.status, missedApprovals: local, state: state.status.state === 'guarding' || state.status.state === 'paused' ? ('attention' as const) : state.status.state };
  return { ...state, status };
}
