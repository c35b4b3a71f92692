import { BrowserWindow, Notification } from 'electron';
import type { PendingApproval } from '../shared/api.js';
import { neutralise } from '../shared/neutralise.js';
import { approvalHeadline, riskyPart } from '../shared/summary.js';
import type { CoreApi } from './core-link.js';
import { windowOptions } from './security.js';

export interface PromptController {
  onApproval(change: 'added' | 'decided' | 'expired', approval: PendingApproval): void;
  /** Shows (or focuses) the prompt window for a pending approval. */
  show(approval: PendingApproval): void;
  close(approvalId: string): void;
  closeAll(): void;
  /** Approvals that expired with nobody answering, since the user last looked. */
  missed(): number;
  clearMissed(): void;
}

export interface PromptOptions {
  api: CoreApi;
  preload: string;
  /** Native notification with Allow/Deny buttons where the OS supports actions (macOS); a plain one elsewhere. */
  notifications?: boolean;
  onMissed?: () => void;
  log?: (m: string) => void;
}

/**
 * Approval prompts: a compact always-on-top window per pending approval (a sandboxed
 * page of the control server: renderer/prompt.html) and a native notification. An
 * approval that expires unanswered leaves a "missed" mark for the tray.
 */
export function setupPrompts(opts: PromptOptions): PromptController {
  const log = opts.log ?? ((m: string) => process.stderr.write(`belay: ${m}\n`));
  const windows = new Map<string, BrowserWindow>();
  const notes = new Map<string, Notification>();
  let missed = 0;

  const show = (a: PendingApproval) => {
    const existing = windows.get(a.id);
    if (existing && !existing.isDestroyed()) {
      existing.show();
      existing.focus();
      return;
    }
    const win = new BrowserWindow(
      windowOptions(
        { width: 480, height: 560, minWidth: 380, minHeight: 360, show: false, title: 'Belay: approve?', alwaysOnTop: true, resizable: true, minimizable: false, maximizable: false, fullscreenable: false, autoHideMenuBar: true },
        opts.preload,
      ),
    );
    // 'floating' keeps it above ordinary windows without covering full-screen system UI.
    win.setAlwaysOnTop(true, 'floating');
    windows.set(a.id, win);
    win.once('ready-to-show', () => {
      win.show();
      win.focus();
    });
    win.on('closed', () => windows.delete(a.id));
    const url = `${opts.api.url}/prompt.html#token=${encodeURIComponent(opts.api.control.token)}&id=${encodeURIComponent(a.id)}`;
    win.loadURL(url).catch((err: Error) => log(`could not open the approval window: ${err.message}`));
  };

  const notify = (a: PendingApproval) => {
    if (!opts.notifications || !Notification.isSupported()) return;
    const risky = riskyPart(a);
    const n = new Notification({
      title: neutralise(approvalHeadline(a), { max: 100 }),
      body: `${risky ? `${risky.slice(0, 120)}\n` : ''}${a.findings.map((f) => neutralise(f.message, { max: 80 })).join('; ').slice(0, 200)}`,
      urgency: 'critical',
      timeoutType: 'never',
      // Index 0 is Deny so that a platform that picks the first action by default picks the safe one.
      actions: [
        { type: 'button', text: 'Deny' },
        { type: 'button', text: 'Allow once' },
      ],
    });
    n.on('action', (_e, index) => {
      const decision = index === 1 ? 'allow' : 'deny';
      opts.api.decide(a.id, { decision, remember: 'once', by: 'notification' }).catch((err: Error) => log(`decision from the notification failed: ${err.message}`));
    });
    n.on('click', () => show(a));
    n.show();
    notes.set(a.id, n);
  };

  const close = (id: string) => {
    const win = windows.get(id);
    if (win && !win.isDestroyed()) win.close();
    windows.delete(id);
    notes.get(id)?.close();
    notes.delete(id);
  };

  return {
    onApproval(change, approval) {
      if (change === 'added') {
        show(approval);
        notify(approval);
        return;
      }
      close(approval.id);
      if (change === 'expired' && approval.decidedBy !== 'human') {
        missed += 1;
        opts.onMissed?.();
      }
    },
    show,
    close,
    closeAll() {
      for (const id of [...windows.keys(), ...notes.keys()]) close(id);
    },
    missed: () => missed,
    clearMissed() {
      missed = 0;
    },
  };
}
