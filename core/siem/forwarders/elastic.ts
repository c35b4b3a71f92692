import type { AuditEvent } from '../../../shared/events.js';
import type { ElasticDestination } from '../config.js';
import { ecsDocument } from '../event-format.js';
import { createHttpClient, retryAfterMs, snippet, type HttpClient } from '../http.js';
import type { DestinationSecrets } from '../secrets.js';
import type { EventSender, PermanentError, SendResult } from '../types.js';

/**
 * Elasticsearch `_bulk`. Each event is a `create` with `_id` = the event id, so a batch
 * sent twice stores each event once (the second `create` answers 409, which counts as
 * delivered), and `create` is the only action data streams accept.
 *
 * Per item: 2xx and 409 are done; 400/413/422 (mapping and parse errors) are refused for
 * good — counted as rejected and skipped, never retried forever; anything else (429,
 * 5xx, 401/403/404 that a config fix can cure) stops the acked prefix there and the
 * rest of the batch is sent again later.
 */

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string };
}

interface BulkAnswer {
  errors?: boolean;
  items?: Record<string, BulkItem>[];
}

const PERMANENT_ITEM_STATUS = new Set([400, 413, 422]);

export class ElasticSender implements EventSender {
  readonly type = 'elastic' as const;
  private readonly http: HttpClient;
  private readonly url: URL;

  constructor(
    private readonly dest: ElasticDestination,
    private readonly secrets: DestinationSecrets | undefined,
  ) {
    this.http = createHttpClient(dest.tls);
    const u = new URL(dest.url);
    u.pathname = `${u.pathname.replace(/\/+$/, '')}/_bulk`;
    this.url = u;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'Content-Type': 'application/x-ndjson', Accept: 'application/json' };
    const s = this.secrets;
    if (s?.apiKey) h.Authorization = `ApiKey ${s.apiKey}`;
    else if (s?.username && s.password) h.Authorization = `Basic ${Buffer.from(`${s.username}:${s.password}`).toString('base64')}`;
    return h;
  }

  body(batch: AuditEvent[]): string {
    let out = '';
    for (const e of batch) {
      out += `${JSON.stringify({ create: { _index: this.dest.index, _id: e.id } })}\n${JSON.stringify(ecsDocument(e))}\n`;
    }
    return out;
  }

  async send(batch: AuditEvent[], signal?: AbortSignal): Promise<SendResult> {
    if (batch.length === 0) return { acked: 0 };
    const res = await this.http.request('POST', this.url, this.headers(), this.body(batch), signal);
    if (res.status !== 200) {
      const detail = `HTTP ${res.status}: ${snippet(errorReason(res.body) ?? res.body) || 'no answer text'}`;
      const retry = res.status === 429 || res.status === 408 || res.status >= 500;
      let error = `Elasticsearch answered ${detail}`;
      if (res.status === 401 || res.status === 403) error += '. Check the API key or user (belay siem add … --api-key-stdin) and its index privileges.';
      if (res.status === 413) error += '. The batch is larger than http.max_content_length: lower batch.maxBytes.';
      return { acked: 0, error, detail, retryAfterMs: retry ? retryAfterMs(res.headers) : undefined };
    }
    let answer: BulkAnswer;
    try {
      answer = JSON.parse(res.body) as BulkAnswer;
    } catch {
      return { acked: 0, error: `Elasticsearch answered 200 with a body that is not JSON: ${snippet(res.body)}`, detail: 'HTTP 200 (unreadable body)' };
    }
    const items = answer.items ?? [];
    if (items.length !== batch.length) {
      return { acked: 0, error: `Elasticsearch answered ${items.length} item(s) for ${batch.length} event(s); sending the batch again`, detail: 'HTTP 200 (item count mismatch)' };
    }
    if (!answer.errors) return { acked: batch.length, detail: `HTTP 200: ${batch.length} created` };

    const permanentErrors: PermanentError[] = [];
    let created = 0;
    let duplicates = 0;
    for (let i = 0; i < items.length; i++) {
      const item = Object.values(items[i])[0] ?? {};
      const status = item.status ?? 0;
      if (status >= 200 && status < 300) created++;
      else if (status === 409) duplicates++;
      else if (PERMANENT_ITEM_STATUS.has(status)) {
        permanentErrors.push({ index: i, reason: `Elasticsearch ${status} ${item.error?.type ?? ''}: ${snippet(item.error?.reason ?? '', 200)}`.trim() });
      } else {
        const detail = `HTTP 200 with errors: item ${i} ${status} ${item.error?.type ?? ''}`.trim();
        return {
          acked: i,
          permanentErrors,
          retryAfterMs: status === 429 ? retryAfterMs(res.headers) : undefined,
          error: `Elasticsearch refused event ${batch[i].id} with ${status} ${item.error?.type ?? ''} (${snippet(item.error?.reason ?? '', 200)}); it and the rest of the batch will be sent again`,
          detail,
        };
      }
    }
    return {
      acked: batch.length,
      permanentErrors,
      detail: `HTTP 200: ${created} created, ${duplicates} already stored, ${permanentErrors.length} rejected`,
    };
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

function errorReason(body: string): string | undefined {
  try {
    const v = JSON.parse(body) as { error?: { type?: string; reason?: string } | string };
    if (typeof v.error === 'string') return v.error;
    if (v.error) return `${v.error.type ?? ''}: ${v.error.reason ?? ''}`;
  } catch {
    // Not JSON (a proxy's HTML page, say): the caller shows the raw text instead.
    return undefined;
  }
  return undefined;
}
