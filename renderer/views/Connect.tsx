import { useCallback, useEffect, useState } from 'react';
import type { DoctorResponse } from '../../shared/api.js';
import { neutralise } from '../../shared/neutralise.js';
import { ApiError, errorText, type Api } from '../lib/api.js';

/** Per-client setup status from `belay doctor`, with the command that fixes each problem (and a button when Belay can fix it itself). */
export function Connect({ api }: { api: Api }) {
  const [report, setReport] = useState<DoctorResponse>();
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const load = useCallback(
    () => api.doctor().then(setReport, (e) => setError(e instanceof ApiError && e.status === 501 ? 'Client checks are not available in this Belay: run `belay doctor` in a terminal.' : errorText(e))),
    [api],
  );
  useEffect(() => void load(), [load]);

  const fix = async (client: string, checkId: string) => {
    try {
      const r = await api.fix(client, checkId);
      // A fix Belay could not make is an error, not a green "done".
      if (r.ok) {
        setMessage(r.message);
        setError(undefined);
      } else {
        setError(`Could not fix it: ${r.message}`);
        setMessage(undefined);
      }
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const copy = (text: string) => navigator.clipboard?.writeText(text).then(() => setMessage('Copied.'), (e) => setError(errorText(e)));

  return (
    <section className="connect" aria-label="Connect clients">
      <h2>Connect your copilots</h2>
      <p className="muted">
        Each copilot must send its traffic through Belay and trust Belay's certificate; MCP servers it starts itself are wrapped with <code>belay mcp-wrap</code>.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {message && (
        <p role="status" className="ok">
          {message}
        </p>
      )}
      <button type="button" onClick={() => void load()}>
        Check again
      </button>
      <div className="cards">
        {/* Installed clients first: a client that is not installed is a fact, not a problem. */}
        {[...(report?.clients ?? [])].sort((a, b) => Number(b.installed) - Number(a.installed)).map((c) => (
          <article key={c.client} className={`card ${c.protected ? 'card-ok' : c.installed ? 'card-warn' : 'card-off'}`} aria-label={c.name}>
            <h3>
              {neutralise(c.name, { max: 60 })} <span className="muted small">{!c.installed ? 'not installed' : c.protected ? 'protected' : 'not protected'}</span>
            </h3>
            <ul className="checks">
              {c.checks.map((ch) => (
                <li key={ch.id} className={ch.ok ? 'check-ok' : `check-${ch.level ?? 'error'}`}>
                  <span aria-hidden="true">{ch.ok ? '✓' : ch.level === 'warn' ? '!' : '✗'}</span> <span className="sr-only">{ch.ok ? 'OK:' : 'Problem:'}</span> {ch.message}
                  {!ch.ok && ch.fix && (
                    <div className="fix">
                      <code>{ch.fix}</code>
                      <button type="button" onClick={() => void copy(ch.fix!)} aria-label={`Copy the fix for ${ch.message}`}>
                        Copy
                      </button>
                      {ch.fixable && (
                        <button type="button" className="primary" onClick={() => void fix(c.client, ch.id)} aria-label={`Fix it: ${ch.message}`}>
                          Fix it
                        </button>
                      )}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          </article>
        ))}
      </div>
    </section>
  );
}
