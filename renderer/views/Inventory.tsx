import { useCallback, useEffect, useState } from 'react';
import type { InventoryResponse, InventoryServer, InventoryTool } from '../../shared/api.js';
import { neutralise } from '../../shared/neutralise.js';
import { clientLabel } from '../../shared/summary.js';
import { ApiError, errorText, type Api } from '../lib/api.js';
import { lineDiff } from '../lib/diff.js';

function describe(v: { description?: string; inputSchema?: unknown } | undefined): string {
  if (!v) return '';
  return `${neutralise(v.description ?? '', { max: 20_000, multiline: true })}\n${v.inputSchema === undefined ? '' : neutralise(JSON.stringify(v.inputSchema, null, 2), { max: 20_000, multiline: true })}`;
}

function ToolDiff({ tool }: { tool: InventoryTool }) {
  const diff = lineDiff(describe(tool.previous), describe(tool.current));
  return (
    <pre className="diff" aria-label={`What changed in ${neutralise(tool.name, { max: 80 })}`}>
      {diff.map((d, i) => (
        <div key={i} className={d.op === '+' ? 'diff-add' : d.op === '-' ? 'diff-del' : undefined}>
          {d.op} {d.text}
        </div>
      ))}
    </pre>
  );
}

/** Clients → MCP servers → tools with their pins; a changed tool shows what changed and can be re-approved in one click. */
export function Inventory({ api }: { api: Api }) {
  const [inv, setInv] = useState<InventoryResponse>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => api.inventory().then(setInv, (e) => setError(e instanceof ApiError && e.status === 501 ? 'The inventory is not available in this Belay.' : errorText(e))), [api]);
  useEffect(() => void load(), [load]);

  // Open/closed as the user left each server; otherwise a server opens when it has changed
  // tools. Re-approving the last change must not snap it shut under the user's cursor.
  const [openById, setOpenById] = useState<ReadonlyMap<string, boolean>>(new Map());
  const setOpen = (id: string, open: boolean) => setOpenById((cur) => (cur.get(id) === open ? cur : new Map(cur).set(id, open)));

  const reapprove = async (server: InventoryServer, tool: InventoryTool) => {
    setOpen(server.id, true);
    try {
      await api.reapprove(server.id, tool.name);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section className="inventory" aria-label="Inventory">
      <h2>What your copilots are connected to</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {inv && inv.clients.length === 0 && <p className="empty">No MCP servers seen yet.</p>}
      {inv?.clients.map((c) => (
        <details key={c.client} open className="inv-client">
          <summary>
            <strong>{clientLabel(c.client)}</strong> <span className="muted">{c.servers.length} server(s)</span>
          </summary>
          {c.servers.map((s) => {
            const changed = s.tools.filter((t) => t.status === 'changed').length;
            return (
              <details key={s.id} className="inv-server" open={openById.get(s.id) ?? changed > 0} onToggle={(e) => setOpen(s.id, e.currentTarget.open)}>
                <summary>
                  {neutralise(s.name, { max: 80 })}{' '}
                  <span className="muted">
                    {s.transport}
                    {s.target && !s.name.startsWith(s.target) ? ` · ${neutralise(s.target, { max: 80 })}` : ''}
                  </span>
                  {changed > 0 && <span className="badge warn">{changed} changed</span>}
                </summary>
                <ul className="tools">
                  {s.tools.map((t) => (
                    <li key={t.name} className={`tool tool-${t.status}`}>
                      <span className={`pin pin-${t.status}`}>{t.status}</span> <code>{neutralise(t.name, { max: 80 })}</code>{' '}
                      <span className="muted">{neutralise(t.description ?? '', { max: 140 })}</span>
                      {t.pin && <span className="muted small"> pin {t.pin.slice(0, 12)}</span>}
                      {t.status === 'changed' && (
                        <div className="changed">
                          <ToolDiff tool={t} />
                          <button type="button" className="primary" onClick={() => void reapprove(s, t)}>
                            Re-approve {neutralise(t.name, { max: 40 })}
                          </button>
                        </div>
                      )}
                    </li>
                  ))}
                </ul>
              </details>
            );
          })}
        </details>
      ))}
    </section>
  );
}
