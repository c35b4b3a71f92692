import http from 'node:http';
import { createParser } from 'eventsource-parser';
import type {
  ApprovalOutcome,
  AskBody,
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
  StatusResponse,
  StreamMessage,
  UsageResponse,
} from '../../shared/api.js';
import { toQueryString } from '../../shared/api.js';
import type { AuditEvent } from '../../shared/events.js';
import { belayPaths, type BelayPaths } from '../paths.js';
import { readControlFile, type ControlFile } from './control-file.js';

/** An API answer that was not 2xx: `status` and the server's `{ error }` text. */
export class ControlApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

interface RequestOptions {
  body?: unknown;
  /** ms; 0 = no timeout (long polls). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Typed client for a running Belay's control API. Uses node:http rather than fetch:
 * undici's fetch gives up on a response after 300 s, and an approval ask may be held
 * longer than that.
 */
export class ControlClient {
  constructor(readonly control: ControlFile) {}

  get url(): string {
    return this.control.url;
  }

  status(): Promise<StatusResponse> {
    return this.request('GET', '/api/status');
  }
  events(q: EventsQuery = {}): Promise<EventsResponse> {
    return this.request('GET', `/api/events${toQueryString(q)}`);
  }
  event(id: string): Promise<AuditEvent> {
    return this.request('GET', `/api/events/${encodeURIComponent(id)}`);
  }
  async approvals(): Promise<PendingApproval[]> {
    return (await this.request<{ approvals: PendingApproval[] }>('GET', '/api/approvals')).approvals;
  }
  async approvalHistory(limit = 200): Promise<PendingApproval[]> {
    return (await this.request<{ approvals: PendingApproval[] }>('GET', `/api/approvals/history?limit=${limit}`)).approvals;
  }
  /** Resolves true when the decision was taken; a 409 (no longer pending) rejects with ControlApiError. */
  async decide(id: string, body: DecisionBody): Promise<boolean> {
    return (await this.request<{ ok: boolean }>('POST', `/api/approvals/${encodeURIComponent(id)}/decision`, { body })).ok;
  }
  extend(id: string, ms: number): Promise<PendingApproval> {
    return this.request('POST', `/api/approvals/${encodeURIComponent(id)}/extend`, { body: { ms } });
  }
  async markSeen(): Promise<void> {
    await this.request('POST', '/api/approvals/seen', { body: {} });
  }
  /** Held until a human decides or the timeout refuses; abort with `signal`. */
  ask(body: AskBody, signal?: AbortSignal): Promise<ApprovalOutcome> {
    return this.request('POST', '/api/approvals/ask', { body, timeoutMs: 0, signal });
  }
  async remembered(): Promise<RememberedDecision[]> {
    return (await this.request<{ remembered: RememberedDecision[] }>('GET', '/api/approvals/remembered')).remembered;
  }
  async forget(id: string): Promise<boolean> {
    return (await this.request<{ ok: boolean }>('DELETE', `/api/approvals/remembered/${encodeURIComponent(id)}`)).ok;
  }
  pause(minutes?: number): Promise<PauseResponse> {
    return this.request('POST', '/api/pause', { body: minutes === undefined ? {} : { minutes } });
  }
  resume(): Promise<PauseResponse> {
    return this.request('POST', '/api/resume', { body: {} });
  }
  policy(): Promise<PolicyResponse> {
    return this.request('GET', '/api/policy');
  }
  validatePolicy(text: string): Promise<PolicyValidation> {
    return this.request('POST', '/api/policy/validate', { body: { text } });
  }
  /** Saves when valid; an invalid policy rejects with ControlApiError status 422 whose body is the validation. */
  savePolicy(text: string): Promise<PolicyValidation> {
    return this.request('PUT', '/api/policy', { body: { text } });
  }
  dryRunPolicy(text: string, limit?: number): Promise<PolicyDryRunResponse> {
    return this.request('POST', '/api/policy/dry-run', { body: { text, limit } });
  }
  inventory(): Promise<InventoryResponse> {
    return this.request('GET', '/api/inventory');
  }
  reapprove(serverId: string, tool: string): Promise<{ ok: boolean }> {
    return this.request('POST', '/api/inventory/reapprove', { body: { serverId, tool } });
  }
  usage(days = 30): Promise<UsageResponse> {
    return this.request('GET', `/api/usage?days=${days}`);
  }
  doctor(): Promise<DoctorResponse> {
    return this.request('GET', '/api/doctor');
  }

  /**
   * Subscribes to the live stream; resolves when the stream ends (server closed or
   * `signal` aborted). Messages are delivered in order as they arrive.
   */
  stream(onMessage: (m: StreamMessage) => void, signal?: AbortSignal, lastEventId?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${this.control.token}`, Accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
      const req = http.request(`${this.url}/api/events/stream`, { method: 'GET', headers, signal }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new ControlApiError(res.statusCode ?? 0, `live stream refused (HTTP ${res.statusCode})`));
          return;
        }
        const parser = createParser({
          onEvent: (ev) => {
            try {
              onMessage(JSON.parse(ev.data) as StreamMessage);
            } catch (err) {
              reject(err);
              req.destroy();
            }
          },
        });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => parser.feed(chunk));
        res.on('end', () => resolve());
        res.on('error', (err) => (signal?.aborted ? resolve() : reject(err)));
      });
      req.on('error', (err) => (signal?.aborted ? resolve() : reject(err)));
      req.end();
    });
  }

  request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string | number> = { Authorization: `Bearer ${this.control.token}`, Accept: 'application/json' };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    }
    return new Promise<T>((resolve, reject) => {
      const req = http.request(`${this.url}${path}`, { method, headers, signal: opts.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(parsed as T);
          else {
            const msg = (parsed as { error?: string } | undefined)?.error ?? `HTTP ${status}`;
            reject(new ControlApiError(status, msg, parsed));
          }
        });
      });
      const timeout = opts.timeoutMs ?? 10_000;
      if (timeout > 0) {
        req.setTimeout(timeout, () => req.destroy(new Error(`Belay did not answer ${method} ${path} within ${timeout} ms.`)));
      }
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else (then it is not our Belay, but let the HTTP check decide).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finds the running Belay through control.json. Undefined when the file is missing, its
 * process is gone, or the API does not answer with the token (a stale file from a crash).
 */
export async function connectControl(paths: BelayPaths = belayPaths(), opts: { timeoutMs?: number } = {}): Promise<ControlClient | undefined> {
  const control = readControlFile(paths.control);
  if (!control || !processAlive(control.pid)) return undefined;
  const client = new ControlClient(control);
  try {
    await client.request('GET', '/api/status', { timeoutMs: opts.timeoutMs ?? 2000 });
    return client;
  } catch (err) {
    if (process.env.BELAY_DEBUG) process.stderr.write(`belay: control API at ${control.url} did not answer: ${(err as Error).message}\n`);
    return undefined;
  }
}
