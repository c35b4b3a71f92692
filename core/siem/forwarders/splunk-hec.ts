import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { AuditEvent } from '../../../shared/events.js';
import type { SplunkHecDestination } from '../config.js';
import { createHttpClient, retryAfterMs, snippet, type HttpClient } from '../http.js';
import type { DestinationSecrets } from '../secrets.js';
import type { EventSender, SendResult } from '../types.js';

/**
 * Splunk HTTP Event Collector. One request carries the batch as concatenated JSON
 * envelopes `{time, host, source, sourcetype, index, event, fields}`. With indexer
 * acknowledgment on, the request goes out on a channel (X-Splunk-Request-Channel) and
 * the batch counts as delivered only once /services/collector/ack reports its ackId
 * true: a 200 alone only means "looks valid", not "indexed".
 */

/** HEC's JSON answer: {"text":"Success","code":0,"ackId":7} or {"text":"Invalid data format","code":6,"invalid-event-number":3}. */
interface HecAnswer {
  text?: string;
  code?: number;
  ackId?: number;
  'invalid-event-number'?: number;
}

export function collectorUrl(url: string): URL {
  const u = new URL(url);
  const p = u.pathname.replace(/\/+$/, '');
  if (p.endsWith('/services/collector/event')) return u;
  u.pathname = p.endsWith('/services/collector') ? `${p}/event` : `${p}/services/collector/event`;
  return u;
}

export function hecEnvelope(e: AuditEvent, d: SplunkHecDestination, host: string): string {
  const t = Date.parse(e.time);
  return JSON.stringify({
    time: Number.isNaN(t) ? undefined : t / 1000,
    host,
    source: d.source,
    sourcetype: d.sourcetype,
    index: d.index,
    event: e,
    // Indexed fields: searchable without extraction; the id is the dedupe key.
    fields: { belay_id: e.id, belay_type: e.type, belay_decision: e.decision, ...(e.risk ? { belay_risk: e.risk } : {}) },
  });
}

export class SplunkHecSender implements EventSender {
  readonly type = 'splunk-hec' as const;
  private readonly http: HttpClient;
  private readonly url: URL;
  private readonly ackUrl: URL;
  /** One channel per sender; Splunk keeps ack state per channel. */
  readonly channel = randomUUID();
  private readonly host = os.hostname();

  constructor(
    private readonly dest: SplunkHecDestination,
    private readonly secrets: DestinationSecrets | undefined,
  ) {
    this.http = createHttpClient(dest.tls);
    this.url = collectorUrl(dest.url);
    this.ackUrl = new URL(this.url);
    this.ackUrl.pathname = this.url.pathname.replace(/\/event$/, '/ack');
    if (dest.indexerAck) this.ackUrl.searchParams.set('channel', this.channel);
  }

  private headers(): Record<string, string> {
    const token = this.secrets?.token;
    if (!token) throw new Error(`no HEC token stored for "${this.dest.name}": run \`belay siem add ${this.dest.name} --type splunk-hec --token-stdin …\` again`);
    const h: Record<string, string> = { Authorization: `Splunk ${token}`, 'Content-Type': 'application/json' };
    if (this.dest.indexerAck) h['X-Splunk-Request-Channel'] = this.channel;
    return h;
  }

  async send(batch: AuditEvent[], signal?: AbortSignal): Promise<SendResult> {
    if (batch.length === 0) return { acked: 0 };
    const body = batch.map((e) => hecEnvelope(e, this.dest, this.host)).join('\n');
    const res = await this.http.request('POST', this.url, this.headers(), body, signal);
    const answer = parseAnswer(res.body);
    const detail = `HTTP ${res.status}${answer.text ? `: ${answer.text}` : ''}${answer.code !== undefined ? ` (code ${answer.code})` : ''}`;

    if (res.status === 200) {
      if (!this.dest.indexerAck) return { acked: batch.length, detail };
      if (typeof answer.ackId !== 'number') {
        return { acked: 0, detail, error: `Splunk accepted the batch but returned no ackId: indexer acknowledgment is not enabled on this HEC token (turn it on in Splunk, or set indexerAck to false)` };
      }
      const acked = await this.waitForAck(answer.ackId, signal);
      return acked
        ? { acked: batch.length, detail: `${detail}, indexed (ackId ${answer.ackId})` }
        : { acked: 0, detail, error: `Splunk did not confirm indexing of ackId ${answer.ackId} within ${this.dest.ackTimeoutMs} ms; the batch will be sent again` };
    }
    if (res.status === 400 && answer.code === 6 && typeof answer['invalid-event-number'] === 'number') {
      // HEC processed the events before the invalid one; that one can never be accepted as is.
      const bad = answer['invalid-event-number'];
      if (bad >= 0 && bad < batch.length) {
        return { acked: bad + 1, permanentErrors: [{ index: bad, reason: `Splunk: ${answer.text ?? 'invalid data format'}` }], detail };
      }
    }
    const error = describeHecFailure(res.status, answer, res.body);
    const retryable = res.status === 429 || res.status === 503 || res.status >= 500;
    return { acked: 0, error, detail, retryAfterMs: retryable ? retryAfterMs(res.headers) : undefined };
  }

  /** Polls /services/collector/ack until Splunk reports the ackId indexed, or the deadline passes. */
  private async waitForAck(ackId: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + this.dest.ackTimeoutMs;
    const body = JSON.stringify({ acks: [ackId] });
    while (Date.now() < deadline) {
      if (signal?.aborted) return false;
      const res = await this.http.request('POST', this.ackUrl, this.headers(), body, signal);
      if (res.status === 200) {
        const parsed = safeJson(res.body) as { acks?: Record<string, boolean> } | undefined;
        if (parsed?.acks?.[String(ackId)] === true) return true;
      } else if (res.status !== 503) {
        throw new Error(`Splunk ack query failed: ${describeHecFailure(res.status, parseAnswer(res.body), res.body)}`);
      }
      await delay(Math.min(this.dest.ackPollMs, Math.max(0, deadline - Date.now())), signal);
    }
    return false;
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

function describeHecFailure(status: number, a: HecAnswer, raw: string): string {
  const what = a.text ? `${a.text}${a.code !== undefined ? ` (code ${a.code})` : ''}` : snippet(raw) || 'no answer text';
  if (status === 401 || status === 403) return `Splunk refused the token: ${what}. Check the HEC token (belay siem add … --token-stdin) and that it is enabled.`;
  if (status === 503 || status === 429) return `Splunk is busy: ${what}; retrying with backoff.`;
  if (status === 404) return `HTTP 404 from Splunk: ${what}. Check the URL (it should be the HEC port, e.g. https://splunk:8088).`;
  return `HTTP ${status} from Splunk: ${what}`;
}

function parseAnswer(body: string): HecAnswer {
  const v = safeJson(body);
  return v && typeof v === 'object' ? (v as HecAnswer) : {};
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
