import { useState } from 'react';
import type { DecisionBody, RememberFor, RememberScope } from '../../shared/api.js';

const rememberOptions: { value: RememberFor; label: string }[] = [
  { value: 'once', label: 'Just this once' },
  { value: 'session', label: 'For this session' },
  { value: 'hour', label: 'For an hour' },
  { value: 'always', label: 'Always' },
];
const scopeOptions: { value: RememberScope; label: string }[] = [
  { value: 'args', label: 'This exact call' },
  { value: 'tool', label: 'This tool' },
  { value: 'server', label: 'Everything from this server' },
];

interface Props {
  idPrefix: string;
  busy?: boolean;
  onDecide: (body: DecisionBody) => void;
  /** Focus Deny on mount (the prompt window): Enter then refuses, the safe default. */
  autoFocusDeny?: boolean;
  onInteract?: () => void;
}

/** Allow / Deny with "remember" as duration × scope: the same choices in the dashboard and the tray prompt. */
export function DecisionForm({ idPrefix, busy, onDecide, autoFocusDeny, onInteract }: Props) {
  const [remember, setRemember] = useState<RememberFor>('once');
  const [scope, setScope] = useState<RememberScope>('args');
  const body = (decision: 'allow' | 'deny'): DecisionBody => ({ decision, remember, ...(remember === 'once' ? {} : { scope }) });
  return (
    // Not onFocus: the prompt focuses Deny itself on open, which is not the human interacting
    // (it paused the countdown before anyone had looked). Keys and pointer are.
    <form className="decision" onSubmit={(e) => e.preventDefault()} onKeyDown={onInteract} onPointerDown={onInteract}>
      <div className="decision-options">
        <label htmlFor={`${idPrefix}-remember`}>Remember</label>
        <select id={`${idPrefix}-remember`} value={remember} onChange={(e) => setRemember(e.target.value as RememberFor)}>
          {rememberOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <label htmlFor={`${idPrefix}-scope`}>for</label>
        <select id={`${idPrefix}-scope`} value={scope} disabled={remember === 'once'} onChange={(e) => setScope(e.target.value as RememberScope)}>
          {scopeOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
      <div className="decision-buttons">
        <button type="button" className="deny" disabled={busy} autoFocus={autoFocusDeny} onClick={() => onDecide(body('deny'))}>
          Deny
        </button>
        <button type="button" className="allow" disabled={busy} onClick={() => onDecide(body('allow'))}>
          Allow
        </button>
      </div>
    </form>
  );
}
