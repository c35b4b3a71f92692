import { createHmac } from 'node:crypto';
import type { AuditEvent } from '../../../shared/events.js';
import type { WebhookDestination } from '../config.js';
import { siemJson } from '../event-format.js';
import { createHttpClient, retryAfterMs, snippet, type HttpClient } from '../http.js';
import type { DestinationSecrets } from '../secrets.js';
import type { EventSender, SendResult } from '../types.js';

/**
 * HTTPS webhook: a batch is one POST of JSON Lines (one audit event per line, each with
 * its id as the dedupe key). Signed so the receiver can trust it came from this Belay:
 *
 *   X-Belay-Timestamp: <unix seconds>
 *   X-Belay-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
 *
 * The timestamp is inside the MAC so a captured request cannot be replayed later with a
 * fresh timestamp; receivers should refuse timestamps older than a few minutes.
 * Any 2xx acknowledges the whole batch; anything else is retried with backoff.
 */

export const SIGNATURE_HEADER = 'X-Belay-Signature';
export const TIMESTAMP_HEADER = 'X-Belay-Timestamp';

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookSender implements EventSender {
  readonly type = 'webhook' as const;
  private readonly http: HttpClient;
  private readonly url: URL;

  constructor(
    private readonly dest: WebhookDestination,
    private readonly secrets: DestinationSecrets | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.http = createHttpClient(dest.tls);
    this.url = new URL(dest.url);
  }

  async send(batch: AuditEvent[], signal?: AbortSignal): Promise<SendResult> {
    if (batch.length === 0) return { acked: 0 };
    const secret = this.secrets?.hmacSecret;
    if (!secret) throw new Error(`no HMAC secret stored for "${this.dest.name}": run \`belay siem add ${this.dest.name} --type webhook --secret-stdin …\` again`);
    const body = `${batch.map(siemJson).join('\n')}\n`;
    const timestamp = String(Math.floor(this.now() / 1000));
    const headers = {
      'Content-Type': 'application/x-ndjson',
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
      'X-Belay-Events': String(batch.length),
    };
    const res = await this.http.request('POST', this.url, headers, body, signal);
    const detail = `HTTP ${res.status}${res.body ? `: ${snippet(res.body, 200)}` : ''}`;
    if (res.status >= 200 && res.status < 300) return { acked: batch.length, detail };
    const retry = res.status === 429 || res.status === 408 || res.status >= 500;
    return { acked: 0, detail, error: `the webhook answered ${detail}`, retryAfterMs: retry ? retryAfterMs(res.headers) : undefined };
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
