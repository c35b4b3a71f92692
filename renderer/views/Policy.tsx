import { useEffect, useMemo, useRef, useState } from 'react';
import type { PolicyDryRunResponse, PolicyIssue, PolicyValidation } from '../../shared/api.js';
import { ApiError, errorText, type Api } from '../lib/api.js';

/** The policy file: edit with validation as you type (errors with line numbers), dry-run against recent traffic, save. */
export function Policy({ api }: { api: Api }) {
  const [text, setText] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const [path, setPath] = useState<string>();
  const [validation, setValidation] = useState<PolicyValidation>({ ok: true, errors: [] });
  const [dry, setDry] = useState<PolicyDryRunResponse>();
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const dryBox = useRef<HTMLDivElement>(null);
  // The result is below the editor: bring it into view when it arrives.
  useEffect(() => {
    if (dry) dryBox.current?.scrollIntoView({ block: 'nearest' });
  }, [dry]);

  useEffect(() => {
    api.policy().then(
      (p) => {
        setText(p.text);
        setSaved(p.text);
        setPath(p.path);
      },
      (e) => setError(errorText(e)),
    );
  }, [api]);

  useEffect(() => {
    if (text === undefined) return;
    const t = setTimeout(() => {
      api.validatePolicy(text).then(setValidation, (e) => setError(errorText(e)));
    }, 300);
    return () => clearTimeout(t);
  }, [api, text]);

  const lines = useMemo(() => (text ?? '').split('\n').length, [text]);
  const errorLines = useMemo(() => new Set(validation.errors.map((e) => e.line).filter((l): l is number => !!l)), [validation]);

  const goTo = (issue: PolicyIssue) => {
    const el = area.current;
    if (!el || !issue.line || text === undefined) return;
    const before = text.split('\n').slice(0, issue.line - 1).join('\n').length + (issue.line > 1 ? 1 : 0);
    el.focus();
    el.setSelectionRange(before + Math.max(0, (issue.column ?? 1) - 1), before + Math.max(0, (issue.column ?? 1) - 1));
  };

  const save = async () => {
    if (text === undefined) return;
    setMessage(undefined);
    try {
      const r = await api.savePolicy(text);
      setValidation(r);
      setSaved(text);
      setMessage('Saved. The new policy applies to the next request.');
      setError(undefined);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setValidation(err.body as PolicyValidation);
      else setError(errorText(err));
    }
  };

  const dryRun = async () => {
    if (text === undefined) return;
    try {
      setDry(await api.dryRun(text));
      setError(undefined);
    } catch (err) {
      setError(errorText(err));
    }
  };

  if (text === undefined) return <section aria-label="Policy">{error ? <p className="error">{error}</p> : <p>Loading the policy…</p>}</section>;

  return (
    <section className="policy" aria-label="Policy">
      <h2>Policy {path && <span className="muted small">{path}</span>}</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="editor">
        <div className="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} className={errorLines.has(i + 1) ? 'gutter-error' : undefined}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          ref={area}
          aria-label="Policy file (YAML)"
          aria-invalid={!validation.ok}
          aria-describedby="policy-errors"
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      <div id="policy-errors" className="policy-errors" aria-live="polite">
        {validation.ok ? (
          <p className="ok">No errors.</p>
        ) : (
          <ul>
            {validation.errors.map((e, i) => (
              <li key={i}>
                <button type="button" className="link error" onClick={() => goTo(e)}>
                  {e.line ? `Line ${e.line}${e.column ? `:${e.column}` : ''}: ` : ''}
                  {e.message}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="row">
        <button type="button" className="primary" disabled={!validation.ok || text === saved} onClick={() => void save()}>
          Save
        </button>
        <button type="button" disabled={!validation.ok} onClick={() => void dryRun()}>
          Dry-run against recent traffic
        </button>
        <button type="button" disabled={text === saved} onClick={() => setText(saved)}>
          Revert
        </button>
        {message && <span className="ok">{message}</span>}
      </div>
      {dry && (
        <div className="dry-run" aria-live="polite" ref={dryBox}>
          <h3>Dry-run over {dry.total} recent events</h3>
          {dry.changed.length > 0 && (
            <p>
              {dry.changed.length} decision{dry.changed.length === 1 ? '' : 's'} would change, to: {Object.entries(dry.counts).map(([k, v]) => `${k} ${v}`).join(', ')}
            </p>
          )}
          {dry.changed.length === 0 ? (
            <p>No decision would change.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Before</th>
                  <th>After</th>
                  <th>Rule</th>
                </tr>
              </thead>
              <tbody>
                {dry.changed.slice(0, 200).map((c) => (
                  <tr key={c.eventId}>
                    <td>{c.summary}</td>
                    <td>{c.before}</td>
                    <td>{c.after}</td>
                    <td>{c.rule ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
