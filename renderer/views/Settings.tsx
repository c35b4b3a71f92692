import { useEffect, useRef, useState } from 'react';
import type { ExportFormat } from '../../shared/api.js';
import { ApiError, errorText, type Api } from '../lib/api.js';

type Json = Record<string, unknown>;

const get = (o: Json | undefined, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), o);

const fields: { path: string; label: string; kind: 'number' | 'boolean'; hint: string }[] = [
  { path: 'proxy.port', label: 'Proxy port', kind: 'number', hint: 'Takes effect after Belay restarts.' },
  { path: 'approvals.timeoutSeconds', label: 'Approval timeout (seconds)', kind: 'number', hint: 'An unanswered prompt is refused after this long (never remembered).' },
  { path: 'audit.storeBodies', label: 'Store request bodies', kind: 'boolean', hint: 'Off by default; bodies are capped and redacted when on.' },
  { path: 'audit.retentionDays', label: 'Keep events for (days)', kind: 'number', hint: 'Empty: keep everything.' },
];

function nest(path: string, value: unknown): Json {
  const keys = path.split('.');
  const out: Json = {};
  let cur = out;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) cur[k] = value;
    else cur = cur[k] = {} as Json;
  });
  return out;
}

/** A few settings worth changing from the dashboard, and the audit log export. */
export function Settings({ api }: { api: Api }) {
  const [settings, setSettings] = useState<Json>();
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [runningPort, setRunningPort] = useState<number>();
  // Each field's value as last sent to the core. A blur compares against this, not against
  // the rendered settings: a save still in flight has not re-rendered yet, and a second edit
  // made in that window (30, then emptied) would otherwise look unchanged and never be saved.
  const sent = useRef(new Map<string, string>());
  useEffect(() => {
    api.status().then((st) => setRunningPort(st.proxy?.port), (e) => console.warn('belay: status unavailable', e));
  }, [api]);
  useEffect(() => {
    api.settings().then(setSettings, (e) => setError(e instanceof ApiError && e.status === 501 ? 'Settings are not available in this Belay: edit settings.json in the data folder.' : errorText(e)));
  }, [api]);

  const save = async (path: string, raw: string | boolean) => {
    // An emptied field clears the setting (null), which puts it back to its default.
    const value = typeof raw === 'boolean' ? raw : raw === '' ? null : Number(raw);
    if (typeof value === 'number' && !Number.isFinite(value)) {
      setMessage(undefined);
      setError(`${fields.find((f) => f.path === path)?.label ?? path} must be a number.`);
      return;
    }
    sent.current.set(path, String(raw));
    try {
      setSettings(await api.saveSettings(nest(path, value)));
      setMessage('Saved.');
      setError(undefined);
    } catch (err) {
      // Refused: the field is compared against the settings the core still holds.
      sent.current.delete(path);
      setMessage(undefined);
      // The core names the setting by its path; say it with the label the user sees.
      setError(fields.reduce((text, f) => text.replace(`${f.path}:`, `${f.label}:`), errorText(err)));
    }
  };

  const exportAs = (format: ExportFormat) => api.download(format).catch((e) => setError(errorText(e)));

  return (
    <section className="settings" aria-label="Settings">
      <h2>Settings</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {message && <p role="status" className="ok">{message}</p>}
      {settings && (
        <form className="settings-form" onSubmit={(e) => e.preventDefault()}>
          {fields.map((f) => {
            const id = `set-${f.path.replace('.', '-')}`;
            const v = get(settings, f.path);
            return (
              <div key={f.path} className="field">
                <label htmlFor={id}>{f.label}</label>
                {f.kind === 'boolean' ? (
                  <input id={id} type="checkbox" checked={v === true} onChange={(e) => void save(f.path, e.target.checked)} aria-describedby={`${id}-hint`} />
                ) : (
                  <input id={id} type="number" defaultValue={v === undefined ? '' : String(v)} onBlur={(e) => e.target.value !== (sent.current.get(f.path) ?? String(v ?? '')) && void save(f.path, e.target.value)} aria-describedby={`${id}-hint`} />
                )}
                <span id={`${id}-hint`} className="muted small">
                  {f.hint}
                  {/* `belay serve --proxy-port` overrides the setting for one run: say which port is live. */}
                  {f.path === 'proxy.port' && runningPort !== undefined && runningPort !== v && ` Running now on ${runningPort}.`}
                </span>
              </div>
            );
          })}
        </form>
      )}
      <h2>Export the audit log</h2>
      <p className="muted">Every event, oldest first, in the format your SIEM reads (JSON Lines follows ECS). Each file ends with the chain head, so it can be checked later (`belay log verify`; docs/exports.md).</p>
      <div className="row">
        <button type="button" onClick={() => void exportAs('jsonl')}>
          Download JSON Lines
        </button>
        <button type="button" onClick={() => void exportAs('csv')}>
          Download CSV
        </button>
        <button type="button" onClick={() => void exportAs('ocsf')}>
          Download OCSF
        </button>
        <button type="button" onClick={() => void exportAs('cef')}>
          Download CEF
        </button>
      </div>
    </section>
  );
}
