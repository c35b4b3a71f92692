/**
 * The dashboard's only way to the core: the control API over fetch with the bearer
 * token. The token arrives once in the URL fragment (never sent to the server), is kept
 * in sessionStorage (gone when the tab closes) and stripped from the address bar.
 */
import type {
  AlertsResponse,
  ExportFormat,
  DecisionBody,
  DoctorResponse,
  EventsQuery,
  EventsResponse,
  InventoryResponse,
  PauseResponse,
  PendingApproval,
  PolicyDryRunResponse,
  PolicyResponse,
  PolicyValidation,
  RememberedDecision,
  ReviewReport,
  SettingsResponse,
  StatusResponse,
  UsageResponse,
} from '../../shared/api.js';
import { toQueryString } from '../../shared/api.js';
import type { AuditEvent } from '../../shared/events.js';

const TOKEN_KEY = 'belay.token';

/** Reads `#token=…` (and other fragment params) once, then forgets the fragment. */
export function takeFragment(): { token?: string; params: URLSearchParams } {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromHash = params.get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    params.delete('token');
    history.replaceState(null, '', `${location.pathname}${location.search}`);
  }
  return { token: sessionStorage.getItem(TOKEN_KEY) ?? undefined, params };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export class Api {
  constructor(readonly token: string) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...extra };
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: this.headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
    if (body !== undefined) init.body = JSON.stringify(body);
    let res: Response;
    try {
      res = await fetch(path, init);
    } catch (err) {
      throw new ApiError(0, `Belay is not answering (${(err as Error).message}). Is it still running?`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) throw new ApiError(res.status, (parsed as { error?: string } | undefined)?.error ?? `HTTP ${res.status}`, parsed);
    return parsed as T;
  }

  status = () => this.call<StatusResponse>('GET', '/api/status');
  events = (q: EventsQuery) => this.call<EventsResponse>('GET', `/api/events${toQueryString(q)}`);
  event = (id: string) => this.call<AuditEvent>('GET', `/api/events/${encodeURIComponent(id)}`);
  approvals = async () => (await this.call<{ approvals: PendingApproval[] }>('GET', '/api/approvals')).approvals;
  approvalHistory = async () => (await this.call<{ approvals: PendingApproval[] }>('GET', '/api/approvals/history?limit=200')).approvals;
  decide = (id: string, body: DecisionBody) => this.call<{ ok: boolean }>('POST', `/api/approvals/${encodeURIComponent(id)}/decision`, body);
  extend = (id: string, ms: number) => this.call<PendingApproval>('POST', `/api/approvals/${encodeURIComponent(id)}/extend`, { ms });
  markSeen = () => this.call<{ ok: boolean }>('POST', '/api/approvals/seen', {});
  remembered = async () => (await this.call<{ remembered: RememberedDecision[] }>('GET', '/api/approvals/remembered')).remembered;
  forget = (id: string) => this.call<{ ok: boolean }>('DELETE', `/api/approvals/remembered/${encodeURIComponent(id)}`);
  pause = (minutes?: number) => this.call<PauseResponse>('POST', '/api/pause', minutes ? { minutes } : {});
  resume = () => this.call<PauseResponse>('POST', '/api/resume', {});
  policy = () => this.call<PolicyResponse>('GET', '/api/policy');
  validatePolicy = (text: string) => this.call<PolicyValidation>('POST', '/api/policy/validate', { text });
  savePolicy = (text: string) => this.call<PolicyValidation>('PUT', '/api/policy', { text });
  dryRun = (text: string) => this.call<PolicyDryRunResponse>('POST', '/api/policy/dry-run', { text, limit: 1000 });
  inventory = () => this.call<InventoryResponse>('GET', '/api/inventory');
  reapprove = (serverId: string, tool: string) => this.call<{ ok: boolean }>('POST', '/api/inventory/reapprove', { serverId, tool });
  usage = (days: number) => this.call<UsageResponse>('GET', `/api/usage?days=${days}`);
  doctor = () => this.call<DoctorResponse>('GET', '/api/doctor');
  fix = (client: string, checkId?: string) => this.call<{ ok: boolean; message: string }>('POST', '/api/doctor/fix', { client, checkId });
  settings = () => this.call<SettingsResponse>('GET', '/api/settings');
  saveSettings = (patch: Record<string, unknown>) => this.call<SettingsResponse>('PUT', '/api/settings', patch);
  // Issue 9: alerts and the review.
  alerts = (all = false) => this.call<AlertsResponse>('GET', `/api/alerts${all ? '?all=1' : ''}`);
  ackAlert = (id: string) => this.call<{ ok: boolean }>('POST', `/api/alerts/${encodeURIComponent(id)}/ack`, {});
  ackAllAlerts = () => this.call<{ acked: number }>('POST', '/api/alerts/ack-all', {});
  review = (since: number, until?: number) => this.call<ReviewReport>('GET', `/api/review${toQueryString({ since, until })}`);

  /** Downloads the export with the token (a plain link could not send it) and saves it as a file. */
  async download(format: ExportFormat): Promise<void> {
    const res = await fetch(`/api/export?format=${format}`, { headers: this.headers() });
    if (!res.ok) throw new ApiError(res.status, `Export failed (HTTP ${res.status}).`);
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `belay-audit.${format}`;
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
