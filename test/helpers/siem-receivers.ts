import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestPki } from './siem-certs.js';

/**
 * Protocol-faithful local receivers for the SIEM tests: Splunk HEC (status codes and
 * the indexer-ack flow as Splunk documents them), Elasticsearch `_bulk` (per-item
 * results, `errors: true`, top-level 429) and a signed-webhook endpoint. Each serves
 * real HTTPS with the test CA, and can be taken down and brought back on the same port
 * (the outage test).
 */

type Handler = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void;

export class Receiver {
  private server: https.Server | http.Server | undefined;
  port = 0;
  /** Answers are held this long after the request was processed (a slow collector; a batch "in the middle"). */
  holdMs = 0;
  /** Every request seen (method, path, headers), newest last. */
  readonly requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  constructor(
    private readonly handler: Handler,
    private readonly pki?: TestPki,
  ) {}

  get url(): string {
    return `${this.pki ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  async start(port = this.port): Promise<this> {
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString('utf8') });
        if (this.holdMs > 0) {
          const end = res.end.bind(res) as (...a: unknown[]) => void;
          const hold = this.holdMs;
          res.end = ((...a: unknown[]) => {
            setTimeout(() => end(...a), hold);
            return res;
          }) as typeof res.end;
        }
        this.handler(req, body, res);
      });
    };
    this.server = this.pki ? https.createServer({ cert: this.pki.cert, key: this.pki.key }, onRequest) : http.createServer(onRequest);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and cuts open connections: the collector is "down". */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Splits HEC's batch body: JSON objects one after another, optionally separated by whitespace. */
export function splitConcatenatedJson(text: string): { values: unknown[]; badIndex?: number } {
  const values: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    if (text[i] !== '{') return { values, badIndex: values.length };
    let depth = 0;
    let inStr = false;
    let j = i;
    for (; j < text.length; j++) {
      const c = text[j];
      if (inStr) {
        if (c === '\\') j++;
        else if (c === '"') inStr = false;
      } else if (c === '"') inStr = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
    }
    if (depth !== 0) return { values, badIndex: values.length };
    try {
      values.push(JSON.parse(text.slice(i, j + 1)));
    } catch {
      return { values, badIndex: values.length };
    }
    i = j + 1;
  }
  return { values };
}

export interface HecEnvelope {
  time?: number;
  host?: string;
  source?: string;
  sourcetype?: string;
  index?: string;
  event: Record<string, unknown>;
  fields?: Record<string, unknown>;
}

export interface SplunkHecOptions {
  token: string;
  /** Indexer acknowledgment enabled on the token (needs a channel on every request). */
  ack?: boolean;
  /** How many ack polls an ackId stays "not yet indexed". */
  ackPollsBeforeIndexed?: number;
  pki?: TestPki;
}

/**
 * Splunk HEC, as documented: `POST /services/collector/event` with `Authorization:
 * Splunk <token>`; 401 code 2 (token required) / 403 code 4 (invalid token); 400 code 6
 * (invalid data format, with invalid-event-number), 12/13 (event field required/blank),
 * 10 (channel missing when ack is on); 503 code 9 when busy; with ack, `{text, code: 0,
 * ackId}` per request and `POST /services/collector/ack?channel=` answering
 * `{"acks": {"<id>": true|false}}`; 400 code 14 when ack is queried but disabled.
 */
export class SplunkHecReceiver extends Receiver {
  /** Events HEC accepted (received; with ack, not necessarily indexed yet). */
  readonly received: HecEnvelope[] = [];
  /** Events indexed (acknowledged) — without ack, the same as received. */
  readonly indexed: HecEnvelope[] = [];
  busy = false;
  private ackIds = new Map<string, number>();
  private pendingAcks = new Map<string, { events: HecEnvelope[]; polls: number }>();

  constructor(private readonly opts: SplunkHecOptions) {
    super((req, body, res) => this.handle(req, body, res), opts.pki);
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization;
    if (!auth) return json(res, 401, { text: 'Token is required', code: 2 });
    if (auth !== `Splunk ${this.opts.token}`) return json(res, 403, { text: 'Invalid token', code: 4 });
    const channel = (req.headers['x-splunk-request-channel'] as string | undefined) ?? url.searchParams.get('channel') ?? undefined;
    if (url.pathname === '/services/collector/ack') return this.handleAck(channel, body, res);
    if (url.pathname !== '/services/collector/event' && url.pathname !== '/services/collector') return json(res, 404, { text: 'The requested URL was not found on this server.', code: 404 });
    if (this.busy) return json(res, 503, { text: 'Server is busy', code: 9 });
    if (this.opts.ack && !channel) return json(res, 400, { text: 'Data channel is missing', code: 10 });
    const text = body.toString('utf8');
    if (text.trim() === '') return json(res, 400, { text: 'No data', code: 5 });
    const { values, badIndex } = splitConcatenatedJson(text);
    const good: HecEnvelope[] = [];
    for (let k = 0; k < values.length; k++) {
      const v = values[k] as Partial<HecEnvelope>;
      if (!('event' in v)) return this.reject(res, good, channel, { text: 'Event field is required', code: 12, 'invalid-event-number': k });
      if (v.event === '' || v.event === null) return this.reject(res, good, channel, { text: 'Event field cannot be blank', code: 13, 'invalid-event-number': k });
      good.push(v as HecEnvelope);
    }
    if (badIndex !== undefined) return this.reject(res, good, channel, { text: 'Invalid data format', code: 6, 'invalid-event-number': badIndex });
    this.accept(good, channel);
    if (this.opts.ack) {
      const ackId = this.nextAckId(channel!);
      this.pendingAcks.set(`${channel}:${ackId}`, { events: good, polls: 0 });
      return json(res, 200, { text: 'Success', code: 0, ackId });
    }
    return json(res, 200, { text: 'Success', code: 0 });
  }

  /** HEC indexes the events before the invalid one, then answers 400 naming it. */
  private reject(res: http.ServerResponse, good: HecEnvelope[], channel: string | undefined, answer: Record<string, unknown>): void {
    this.accept(good, channel);
    json(res, 400, answer);
  }

  private accept(good: HecEnvelope[], _channel: string | undefined): void {
    this.received.push(...good);
    if (!this.opts.ack) this.indexed.push(...good);
  }

  private nextAckId(channel: string): number {
    const id = this.ackIds.get(channel) ?? 0;
    this.ackIds.set(channel, id + 1);
    return id;
  }

  private handleAck(channel: string | undefined, body: Buffer, res: http.ServerResponse): void {
    if (!this.opts.ack) return json(res, 400, { text: 'ACK is disabled', code: 14 });
    if (!channel) return json(res, 400, { text: 'Data channel is missing', code: 10 });
    let ids: number[];
    try {
      ids = (JSON.parse(body.toString('utf8')) as { acks: number[] }).acks;
    } catch {
      return json(res, 400, { text: 'Invalid data format', code: 6 });
    }
    const acks: Record<string, boolean> = {};
    for (const id of ids) {
      const p = this.pendingAcks.get(`${channel}:${id}`);
      if (!p) {
        acks[String(id)] = false;
        continue;
      }
      p.polls++;
      const done = p.polls > (this.opts.ackPollsBeforeIndexed ?? 1);
      if (done) {
        this.indexed.push(...p.events);
        this.pendingAcks.delete(`${channel}:${id}`);
      }
      acks[String(id)] = done;
    }
    json(res, 200, { acks });
  }
}

export interface ElasticItemFault {
  status: number;
  type: string;
  reason: string;
}

/**
 * Elasticsearch `_bulk`: NDJSON action/source pairs, body must end with a newline,
 * Content-Type must be JSON or NDJSON; per item 201 created, 409 version conflict when
 * `create` meets an existing `_id`; `errors: true` when any item failed. `itemFault`
 * injects per-item failures (429 es_rejected_execution_exception, 400
 * mapper_parsing_exception); `throttled` answers the whole request with 429.
 */
export class ElasticBulkReceiver extends Receiver {
  /** Stored documents by `_index/_id`. */
  readonly docs = new Map<string, Record<string, unknown>>();
  /** Every `create` attempted, by _id, in order (duplicates included). */
  readonly attempts: string[] = [];
  throttled = false;
  itemFault: (id: string, doc: Record<string, unknown>) => ElasticItemFault | undefined = () => undefined;

  constructor(
    private readonly auth: { apiKey?: string; basic?: string } = {},
    pki?: TestPki,
  ) {
    super((req, body, res) => this.handle(req, body, res), pki);
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const expected = this.auth.apiKey ? `ApiKey ${this.auth.apiKey}` : this.auth.basic ? `Basic ${this.auth.basic}` : undefined;
    if (expected && req.headers.authorization !== expected) {
      return json(res, 401, { error: { type: 'security_exception', reason: 'unable to authenticate with provided credentials' }, status: 401 }, { 'WWW-Authenticate': 'ApiKey' });
    }
    const m = /^\/(?:([^/_][^/]*)\/)?_bulk$/.exec(url.pathname);
    if (!m || req.method !== 'POST') return json(res, 404, { error: 'no handler found for uri', status: 404 });
    const ct = String(req.headers['content-type'] ?? '');
    if (!/^application\/(x-ndjson|json)/.test(ct)) {
      return json(res, 406, { error: `Content-Type header [${ct}] is not supported`, status: 406 });
    }
    if (this.throttled) {
      return json(res, 429, { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' }, status: 429 }, { 'Retry-After': '1' });
    }
    const text = body.toString('utf8');
    if (!text.endsWith('\n')) {
      return json(res, 400, { error: { type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]' }, status: 400 });
    }
    const lines = text.split('\n').slice(0, -1);
    const items: Record<string, unknown>[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]) as Record<string, { _index?: string; _id?: string }>;
      const [op, meta] = Object.entries(action)[0];
      const index = meta._index ?? m[1];
      const id = meta._id ?? `auto-${i}`;
      const doc = JSON.parse(lines[i + 1] ?? 'null') as Record<string, unknown>;
      if (op !== 'create') {
        items.push({ [op]: { _index: index, _id: id, status: 400, error: { type: 'illegal_argument_exception', reason: 'only write ops with an op_type of create are allowed in data streams' } } });
        errors = true;
        continue;
      }
      this.attempts.push(id);
      const fault = this.itemFault(id, doc);
      if (fault) {
        items.push({ create: { _index: index, _id: id, status: fault.status, error: { type: fault.type, reason: fault.reason } } });
        errors = true;
        continue;
      }
      const key = `${index}/${id}`;
      if (this.docs.has(key)) {
        items.push({
          create: {
            _index: index,
            _id: id,
            status: 409,
            error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists (current version [1])` },
          },
        });
        errors = true;
        continue;
      }
      this.docs.set(key, doc);
      items.push({ create: { _index: index, _id: id, _version: 1, result: 'created', status: 201 } });
    }
    json(res, 200, { took: 1, errors, items });
  }
}

/** Verifies X-Belay-Signature (HMAC over "timestamp.body") and keeps the JSON lines of good requests. */
export class WebhookReceiver extends Receiver {
  readonly lines: Record<string, unknown>[] = [];
  badSignatures = 0;
  status = 200;

  constructor(
    private readonly secret: string,
    pki?: TestPki,
  ) {
    super((req, body, res) => this.handle(req, body, res), pki);
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const ts = String(req.headers['x-belay-timestamp'] ?? '');
    const sig = String(req.headers['x-belay-signature'] ?? '');
    const want = `sha256=${createHmac('sha256', this.secret).update(`${ts}.${body.toString('utf8')}`).digest('hex')}`;
    if (sig.length !== want.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(want))) {
      this.badSignatures++;
      res.writeHead(401).end('bad signature');
      return;
    }
    if (this.status >= 300) {
      res.writeHead(this.status).end('unavailable');
      return;
    }
    for (const line of body.toString('utf8').split('\n')) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    res.writeHead(this.status).end();
  }
}
