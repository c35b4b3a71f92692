import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { PendingApproval, StatusResponse } from '../../../shared/api.js';
import { electronMock } from './electron-mock.js';

const mock = vi.hoisted(() => ({ current: undefined as any }));
vi.mock('electron', async () => {
  const { electronMock: make } = await import('./electron-mock.js');
  mock.current = make();
  return mock.current.module;
});

const { trayView, trayIconPath } = await import('../../../electron/tray-state.js');
const { buildTrayMenu } = await import('../../../electron/menu.js');
const { setupTray } = await import('../../../electron/tray.js');
const { setupPrompts } = await import('../../../electron/prompts.js');
const { secureWebPreferences, isAllowedExternal, hardenWebContents } = await import('../../../electron/security.js');
const { ipcHandler } = await import('../../../electron/ipc.js');
const { shutdownWithDeadline } = await import('../../../electron/shutdown.js');
const { loginItem } = await import('../../../electron/login-item.js');
const { linkToCore } = await import('../../../electron/core-link.js');
const { validPromptDone } = await import('../../../electron/preload-api.js');
const m = () => mock.current as ReturnType<typeof electronMock>;

function status(over: Partial<StatusResponse> = {}): StatusResponse {
  return {
    running: true,
    version: '0.1.0',
    pid: 1,
    startedAt: new Date().toISOString(),
    state: 'guarding',
    paused: false,
    controlUrl: 'http://127.0.0.1:5000',
    dataDir: '/tmp/x',
    pendingApprovals: 0,
    missedApprovals: 0,
    events: { total: 0, lastSeq: 0 },
    proxy: { host: '127.0.0.1', port: 8080 },
    ...over,
  };
}

function approval(id: string, over: Partial<PendingApproval> = {}): PendingApproval {
  return {
    id,
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 30_000).toISOString(),
    subject: { kind: 'mcp.tool_call', client: 'claude-code', transport: 'stdio', server: 'shell', tool: 'run' },
    findings: [{ detector: 'destructive-command', severity: 'critical', message: 'Deletes your home folder', evidence: 'rm -rf ~' }],
    risk: 'critical',
    summary: 'Claude Code wants to run run on shell',
    status: 'pending',
    ...over,
  };
}

const actions = () => ({
  review: vi.fn(),
  reviewMissed: vi.fn(),
  pause: vi.fn(),
  resume: vi.fn(),
  openDashboard: vi.fn(),
  connectClient: vi.fn(),
  setStartAtLogin: vi.fn(),
  quit: vi.fn(),
});

const find = (items: any[], id: string): any => {
  for (const i of items) {
    if (i.id === id) return i;
    if (i.submenu) {
      const f = find(i.submenu, id);
      if (f) return f;
    }
  }
  return undefined;
};

describe('tray state from core status', () => {
  it('maps each state to an icon, a status line and a title', () => {
    expect(trayView(status())).toMatchObject({ icon: 'guarding', statusLine: 'Guarding on port 8080', title: '' });
    expect(trayView(status({ state: 'paused', paused: true }))).toMatchObject({ icon: 'paused' });
    expect(trayView(status({ state: 'attention', pendingApprovals: 3 }))).toMatchObject({ icon: 'attention', title: '3', statusLine: '3 waiting for you' });
    expect(trayView(status({ state: 'attention', missedApprovals: 2 }))).toMatchObject({ icon: 'attention', title: '!', statusLine: 'Guarding · 2 missed' });
    expect(trayView(status({ state: 'error', error: 'database is read-only' }))).toMatchObject({ icon: 'error', statusLine: 'Belay error: database is read-only' });
    expect(trayView(undefined)).toMatchObject({ icon: 'paused', statusLine: 'Belay is starting…' });
    expect(trayView(undefined, 'port 8080 is busy')).toMatchObject({ icon: 'error', statusLine: 'Belay is not guarding: port 8080 is busy' });
  });
  it('uses template images on macOS and colour PNGs elsewhere', () => {
    expect(trayIconPath('/r', 'paused', 'darwin')).toBe(path.join('/r', 'tray', 'pausedTemplate.png'));
    expect(trayIconPath('/r', 'paused', 'linux')).toBe(path.join('/r', 'tray', 'paused.png'));
  });
  it('setupTray switches the icon and title as the status changes', () => {
    const tray = setupTray({ resourcesDir: '/r', actions: actions(), startAtLogin: () => false, platform: 'darwin' });
    const t = m().trays.at(-1)!;
    // Before the core answers, the icon never claims to be guarding.
    expect((t.image as any).path).toContain('pausedTemplate.png');
    expect((t.image as any).template).toBe(true);
    expect(t.tooltip).toBe('Belay — Belay is starting…');
    tray.update({ status: status({ state: 'attention', pendingApprovals: 2 }), pending: [approval('a'), approval('b')] });
    expect((t.image as any).path).toContain('attentionTemplate.png');
    expect(t.title).toBe('2');
    expect(t.tooltip).toBe('Belay — 2 waiting for you');
    expect(find((t.menu as any).template, 'pending').label).toBe('Waiting for you (2)');
  });
});

describe('tray menu actions', () => {
  it('calls the right action for each item', () => {
    const a = actions();
    const items = buildTrayMenu({ status: status({ state: 'attention', pendingApprovals: 1, missedApprovals: 1 }), pending: [approval('p1')], startAtLogin: false }, a);
    expect(items[0]).toMatchObject({ id: 'status', enabled: false });
    find(items, 'review-p1').click();
    expect(a.review).toHaveBeenCalledWith('p1');
    find(items, 'pause-15').click();
    expect(a.pause).toHaveBeenCalledWith(15);
    find(items, 'pause-forever').click();
    expect(a.pause).toHaveBeenLastCalledWith();
    find(items, 'dashboard').click();
    expect(a.openDashboard).toHaveBeenCalled();
    find(items, 'connect').click();
    expect(a.connectClient).toHaveBeenCalled();
    find(items, 'missed').click();
    expect(a.reviewMissed).toHaveBeenCalled();
    find(items, 'login').click();
    expect(a.setStartAtLogin).toHaveBeenCalledWith(true);
    find(items, 'quit').click();
    expect(a.quit).toHaveBeenCalled();
  });
  it('offers Resume when paused and disables core actions when the core is down', () => {
    const a = actions();
    const paused = buildTrayMenu({ status: status({ state: 'paused', paused: true }), pending: [] }, a);
    expect(find(paused, 'pause')).toBeUndefined();
    find(paused, 'resume').click();
    expect(a.resume).toHaveBeenCalled();
    const down = buildTrayMenu({ pending: [], coreError: 'boom' }, a);
    expect(find(down, 'dashboard').enabled).toBe(false);
    expect(find(down, 'status').label).toContain('boom');
    expect(find(down, 'login')).toBeUndefined();
  });
});

describe('approval prompt flow', () => {
  const api = () => ({ url: 'http://127.0.0.1:5000', control: { token: 'tok' }, decide: vi.fn(async () => true) }) as any;

  it('opens a sandboxed always-on-top window on the prompt page and a notification with Deny first', async () => {
    const a = api();
    const prompts = setupPrompts({ api: a, preload: '/p/preload.cjs', notifications: true });
    prompts.onApproval('added', approval('ap1'));
    const win = m().windows.at(-1)!;
    expect(win.options.alwaysOnTop).toBe(true);
    expect(win.alwaysOnTop).toEqual([true, 'floating']);
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: '/p/preload.cjs', webviewTag: false });
    expect(win.url).toBe('http://127.0.0.1:5000/prompt.html#token=tok&id=ap1');
    const note = m().notifications.at(-1)!;
    expect(note.shown).toBe(true);
    expect(note.options.actions.map((x: any) => x.text)).toEqual(['Deny', 'Allow once']);
    expect(note.options.body).toContain('rm -rf ~');
    note.fire('action', {}, 0);
    expect(a.decide).toHaveBeenLastCalledWith('ap1', { decision: 'deny', remember: 'once', by: 'notification' });
    note.fire('action', {}, 1);
    expect(a.decide).toHaveBeenLastCalledWith('ap1', { decision: 'allow', remember: 'once', by: 'notification' });
  });

  it('closes the window when decided elsewhere, and leaves a missed mark when nobody answered', () => {
    const onMissed = vi.fn();
    const prompts = setupPrompts({ api: api(), preload: '/p', notifications: false, onMissed });
    prompts.onApproval('added', approval('ap2'));
    const w2 = m().windows.at(-1)!;
    prompts.onApproval('decided', approval('ap2', { status: 'allowed', decidedBy: 'human' }));
    expect(w2.closed).toBe(true);
    expect(prompts.missed()).toBe(0);
    prompts.onApproval('added', approval('ap3'));
    const w3 = m().windows.at(-1)!;
    prompts.onApproval('expired', approval('ap3', { status: 'expired', decidedBy: 'timeout' }));
    expect(w3.closed).toBe(true);
    expect(prompts.missed()).toBe(1);
    expect(onMissed).toHaveBeenCalledTimes(1);
    prompts.clearMissed();
    expect(prompts.missed()).toBe(0);
  });

  it('refocuses an existing window instead of opening a second one', () => {
    const prompts = setupPrompts({ api: api(), preload: '/p' });
    const before = m().windows.length;
    prompts.show(approval('same'));
    prompts.show(approval('same'));
    expect(m().windows.length).toBe(before + 1);
  });
});

describe('window security', () => {
  it('every window gets isolation, sandbox and no Node', () => {
    expect(secureWebPreferences()).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false });
  });
  it('opens only allow-listed http(s) links outside', () => {
    expect(isAllowedExternal('https://github.com/belay/belay')).toBe(true);
    expect(isAllowedExternal('https://docs.cursor.com/x')).toBe(true);
    expect(isAllowedExternal('https://github.com.evil.example/')).toBe(false);
    expect(isAllowedExternal('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternal('javascript:alert(1)')).toBe(false);
    expect(isAllowedExternal('https://user:pw@github.com/')).toBe(false);
    expect(isAllowedExternal('smb://github.com/share')).toBe(false);
  });
  it('blocks navigation away from Belay and every new window', () => {
    const { FakeWebContents } = m();
    const wc = new FakeWebContents();
    const opened: string[] = [];
    hardenWebContents(wc as any, () => 'http://127.0.0.1:5000', (u) => opened.push(u));
    const nav = (url: string) => {
      const ev = { prevented: false, preventDefault() { this.prevented = true; } };
      for (const fn of wc.handlers['will-navigate']) fn(ev, url);
      return ev.prevented;
    };
    expect(nav('http://127.0.0.1:5000/#approvals')).toBe(false);
    expect(nav('http://127.0.0.1:5001/')).toBe(true);
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('https://github.com/x')).toBe(true);
    expect(opened).toEqual(['https://github.com/x']);
    expect(wc.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.openHandler!({ url: 'https://github.com/y' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://github.com/x', 'https://github.com/y']);
    const ev = { prevented: false, preventDefault() { this.prevented = true; } };
    for (const fn of wc.handlers['will-attach-webview']) fn(ev);
    expect(ev.prevented).toBe(true);
  });
});

describe('ipcHandler', () => {
  it('accepts calls only from the top frame of Belay’s own origin, with valid arguments', async () => {
    const handled = vi.fn((_e: unknown, id: string) => `closed ${id}`);
    const logs: string[] = [];
    ipcHandler('belay:prompt-done', () => 'http://127.0.0.1:5000', validPromptDone, handled, (l) => logs.push(l));
    const h = m().ipcHandlers.get('belay:prompt-done')!;
    const top = { url: 'http://127.0.0.1:5000/prompt.html', parent: null };
    await expect(h({ senderFrame: top }, 'ap1', 'allowed')).resolves.toBe('closed ap1');
    await expect(h({ senderFrame: { url: 'https://evil.example/', parent: null } }, 'ap1', 'allowed')).rejects.toThrow(/Refused/);
    await expect(h({ senderFrame: { url: 'http://127.0.0.1:5000/', parent: top } }, 'ap1', 'allowed')).rejects.toThrow(/Refused/);
    await expect(h({ senderFrame: null }, 'ap1', 'allowed')).rejects.toThrow(/Refused/);
    await expect(h({ senderFrame: top }, 'ap1', 'maybe')).rejects.toThrow(/bad arguments/);
    await expect(h({ senderFrame: top }, { id: 1 })).rejects.toThrow(/bad arguments/);
    expect(handled).toHaveBeenCalledTimes(1);
    expect(logs).toHaveLength(5);
  });
});

describe('shutdown, start at login, core link', () => {
  it('stops the core within the deadline, once, and exits non-zero when it hangs', async () => {
    const exit = vi.fn();
    const logs: string[] = [];
    const stop = vi.fn(async () => {});
    const quit = shutdownWithDeadline(stop, { deadlineMs: 1000, exit, log: (l) => logs.push(l) });
    await Promise.all([quit(), quit()]);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
    const hang = shutdownWithDeadline(() => new Promise(() => {}), { deadlineMs: 20, exit, log: (l) => logs.push(l) });
    await hang();
    expect(exit).toHaveBeenLastCalledWith(1);
    expect(logs[0]).toMatch(/did not stop within 20 ms/);
  });

  it('writes and removes an XDG autostart entry on Linux', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'belay-login-'));
    const item = loginItem({} as any, 'linux', { XDG_CONFIG_HOME: home, APPIMAGE: '/opt/Belay.AppImage' });
    expect(item.get()).toBe(false);
    item.set(true);
    expect(item.get()).toBe(true);
    expect(readFileSync(path.join(home, 'autostart', 'belay.desktop'), 'utf8')).toContain('Exec="/opt/Belay.AppImage" --hidden');
    item.set(false);
    expect(item.get()).toBe(false);
  });

  it('uses Electron login items on macOS and Windows', () => {
    const app = { getLoginItemSettings: vi.fn(() => ({ openAtLogin: true })), setLoginItemSettings: vi.fn() };
    const item = loginItem(app, 'darwin');
    expect(item.get()).toBe(true);
    item.set(false);
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: false, openAsHidden: true });
  });

  it('follows the live stream: status, pending approvals and approval changes', async () => {
    const changes: any[] = [];
    const approvals: any[] = [];
    let push: (m: any) => void = () => {};
    const api = {
      approvals: vi.fn(async () => [approval('x1')]),
      stream: (fn: (m: any) => void, signal: AbortSignal) =>
        new Promise<void>((resolve) => {
          push = fn;
          signal.addEventListener('abort', () => resolve());
        }),
    } as any;
    const stop = linkToCore(api, { onChange: (s) => changes.push(s), onApproval: (c, a) => approvals.push([c, a.id]) });
    await new Promise((r) => setTimeout(r, 10));
    push({ type: 'hello', lastSeq: 0, status: status({ state: 'attention', pendingApprovals: 1 }) });
    await new Promise((r) => setTimeout(r, 10));
    expect(changes.at(-1).pending.map((a: any) => a.id)).toEqual(['x1']);
    push({ type: 'approval', change: 'added', approval: approval('x2') });
    push({ type: 'approval', change: 'decided', approval: approval('x1', { status: 'denied' }) });
    expect(changes.at(-1).pending.map((a: any) => a.id)).toEqual(['x2']);
    expect(approvals).toEqual([
      ['added', 'x2'],
      ['decided', 'x1'],
    ]);
    stop();
  });
});
