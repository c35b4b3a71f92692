import { StrictMode, useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { DecisionBody, PendingApproval } from '../shared/api.js';
import { approvalHeadline, msLeft } from '../shared/summary.js';
import { ApprovalCard } from './components/ApprovalCard.js';
import { DecisionForm } from './components/DecisionForm.js';
import { Api, ApiError, errorText, takeFragment } from './lib/api.js';
import { bridge } from './lib/bridge.js';
import { followLive } from './lib/live.js';
import './styles.css';

/** While the human interacts, keep at least this much time on the clock (the countdown pauses). */
const HOLD_MS = 20_000;

/**
 * The compact always-on-top approval window: one pending approval, the risky part
 * highlighted, each finding, remember options, a countdown that pauses while the user
 * interacts, Enter/Escape = Deny (the safe default).
 */
function Prompt({ api, id }: { api: Api; id: string }) {
  const [approval, setApproval] = useState<PendingApproval>();
  const [gone, setGone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [now, setNow] = useState(Date.now());
  const [held, setHeld] = useState(false);
  const lastExtend = useRef(0);

  const finish = useCallback((outcome: 'allowed' | 'denied' | 'gone') => {
    const b = bridge();
    if (b) b.promptDone(id, outcome);
    else setTimeout(() => window.close(), 800);
  }, [id]);

  useEffect(() => {
    api.approvals().then(
      (list) => {
        const a = list.find((x) => x.id === id);
        if (a) setApproval(a);
        else setGone('This request was already answered or has expired.');
      },
      (e) => setError(errorText(e)),
    );
    const stop = followLive(
      api,
      (m) => {
        if (m.type === 'approval' && m.approval.id === id && m.change !== 'added') {
          setGone(m.change === 'expired' ? 'Nobody answered in time: the request was refused.' : `Answered elsewhere: ${m.approval.status}.`);
        }
      },
      () => {},
    );
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => {
      stop();
      clearInterval(t);
    };
  }, [api, id]);

  useEffect(() => {
    if (gone) {
      const t = setTimeout(() => finish('gone'), 1500);
      return () => clearTimeout(t);
    }
  }, [gone, finish]);

  /** The user is reading or choosing: push the expiry out so the countdown does not run out under them. */
  const interact = useCallback(() => {
    if (!approval || Date.now() - lastExtend.current < 2000) return;
    lastExtend.current = Date.now();
    api.extend(id, HOLD_MS).then(
      (a) => {
        setApproval(a);
        setHeld(true);
      },
      (e) => {
        // 501: this Belay cannot pause the countdown; say nothing misleading, keep counting.
        if (!(e instanceof ApiError && e.status === 501)) console.warn('belay: could not pause the countdown', e);
      },
    );
  }, [api, id, approval]);

  const decide = useCallback(
    async (body: DecisionBody) => {
      setBusy(true);
      try {
        await api.decide(id, { ...body, by: 'tray-prompt' });
        finish(body.decision === 'allow' ? 'allowed' : 'denied');
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) setGone(err.message);
        else setError(errorText(err));
        setBusy(false);
      }
    },
    [api, id, finish],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const onButton = e.target instanceof HTMLButtonElement || e.target instanceof HTMLSelectElement;
      if (e.key === 'Escape' || (e.key === 'Enter' && !onButton)) {
        e.preventDefault();
        if (approval && !gone && !busy) void decide({ decision: 'deny', remember: 'once' });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [approval, gone, busy, decide]);

  if (error) return <p role="alert" className="error">{error}</p>;
  if (gone) return <p role="status" className="prompt-gone">{gone}</p>;
  if (!approval) return <p>Loading…</p>;
  const left = msLeft(approval, now);
  return (
    <main className="prompt" aria-label={approvalHeadline(approval)} onPointerMove={interact} onKeyDown={interact}>
      <ApprovalCard approval={approval} />
      {left !== undefined && (
        <p className="countdown" aria-live="off">
          {held ? 'Paused while you decide · ' : ''}Refused in {Math.ceil(left / 1000)} s if you do not answer
        </p>
      )}
      <DecisionForm idPrefix="prompt" busy={busy} onDecide={(b) => void decide(b)} autoFocusDeny onInteract={interact} />
      <p className="muted small">Enter or Esc: Deny · Tab to Allow</p>
    </main>
  );
}

const { token, params } = takeFragment();
const id = params.get('id');
const root = createRoot(document.getElementById('root')!);
root.render(
  token && id ? (
    <StrictMode>
      <Prompt api={new Api(token)} id={id} />
    </StrictMode>
  ) : (
    <p className="error">This window was opened without an approval to show.</p>
  ),
);
