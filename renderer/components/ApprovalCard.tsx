import type { PendingApproval } from '../../shared/api.js';
import { neutralise } from '../../shared/neutralise.js';
import { approvalHeadline, clientLabel, riskyPart } from '../../shared/summary.js';

/** What is being asked and why it is risky: headline, the risky part highlighted, each finding. Untrusted text is neutralised. */
export function ApprovalCard({ approval }: { approval: PendingApproval }) {
  const s = approval.subject;
  const risky = riskyPart(approval);
  // The policy's reason is shown on its own line already.
  const details = (approval.details ?? []).filter((d) => !d.startsWith('policy:') && !(d.startsWith('host:') && s.server));
  return (
    <div className="approval-card">
      <h3 className="approval-headline">
        {approval.risk !== 'none' && <span className={`risk risk-${approval.risk}`}>{approval.risk}</span>} {approvalHeadline(approval)}
      </h3>
      {approval.reason && <p className="approval-reason">{neutralise(approval.reason, { max: 300 })}</p>}
      {risky && (
        <p>
          <span className="muted">{approval.highlight?.where === 'arguments' ? 'Arguments: ' : 'Risky part: '}</span>
          <mark className="risky">{risky}</mark>
        </p>
      )}
      {details.length > 0 && (
        <ul className="details" aria-label="Details">
          {details.map((d, i) => (
            <li key={i}>{neutralise(d, { max: 800, multiline: true })}</li>
          ))}
        </ul>
      )}
      {approval.findings.length > 0 && (
        <ul className="findings" aria-label="Findings">
          {approval.findings.map((f, i) => (
            <li key={i}>
              <span className={`risk risk-${f.severity}`}>{f.severity}</span> {neutralise(f.message, { max: 300 })}
              {f.where && <span className="muted"> — in {neutralise(f.where, { max: 80 })}</span>}
              {f.evidence && (
                <>
                  {' '}
                  <code>{neutralise(f.evidence, { max: 120 })}</code>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <dl className="facts">
        <dt>Client</dt>
        <dd>{clientLabel(s.client)}</dd>
        {s.server && (
          <>
            <dt>Server</dt>
            <dd>{neutralise(s.server, { max: 120 })}</dd>
          </>
        )}
        {s.tool && (
          <>
            <dt>Tool</dt>
            <dd>{neutralise(s.tool, { max: 120 })}</dd>
          </>
        )}
        {s.host && (
          <>
            <dt>Host</dt>
            <dd>{neutralise(s.host, { max: 120 })}</dd>
          </>
        )}
        {approval.rule && (
          <>
            <dt>Rule</dt>
            <dd>{neutralise(approval.rule, { max: 120 })}</dd>
          </>
        )}
      </dl>
      {s.arguments !== undefined && (
        <details>
          <summary>Arguments</summary>
          <pre className="json">{neutralise(JSON.stringify(s.arguments, null, 2), { max: 4000, multiline: true })}</pre>
        </details>
      )}
    </div>
  );
}
