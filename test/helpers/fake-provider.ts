import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestServerCert } from './tls.js';

/**
 * A local HTTPS server that answers like the LLM providers, byte for byte: it serves the
 * recorded wire fixtures in test/fixtures/llm (OpenAI chat completions and Responses,
 * Anthropic Messages, Gemini generateContent / streamGenerateContent). Only the provider is
 * fake (it cannot exist here); everything between the client and it is real.
 *
 * Streams are written one SSE event per write with `delayMs` between them, and every write
 * is timestamped, so a test can prove that an event reached the client before the provider
 * had sent the rest. Every other path echoes what it received (size and sha256), which is
 * what the upload tests need.
 */

const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/llm');

export function fixtureText(name: string): string {
  return readFileSync(path.join(fixturesDir, name), 'utf8');
}

/** Splits an SSE stream into its events, each keeping its blank-line terminator (Gemini ends lines with CRLF). */
export function sseEvents(text: string): string[] {
  return text.split(/(?<=\r?\n\r?\n)/).filter((e) => e.trim().length > 0);
}

/** Replaces the model the fixture names with another (the provider echoing the requested model). */
export function withModel(text: string, model: string): string {
  return text.replace(/("model(?:Version)?"\s*:\s*)"[^"]*"/g, `$1${JSON.stringify(model)}`);
}

export interface ProviderRequest {
  method: string;
  path: string;
  url: URL;
  headers: IncomingHttpHeaders;
  bytes: number;
  sha256: string;
  /** The body, when it is under 4 MiB (uploads are only hashed). */
  body?: Buffer;
  json?: unknown;
  receivedAt: number;
}

export type Reply =
  | { status?: number; headers?: Record<string, string>; body: string | Buffer }
  | {
      status?: number;
      headers?: Record<string, string>;
      /** Written one per write, `delayMs` apart. */
      events: string[];
      delayMs?: number;
      /** Leave the response open after the last event (for client-disconnect tests). */
      keepOpen?: boolean;
    };

export interface StreamLog {
  path: string;
  /** Date.now() right after each event was written. */
  sentAt: number[];
  endedAt?: number;
  /** The connection closed before the provider ended the response. */
  closedEarly?: boolean;
}

export interface FakeProvider {
  port: number;
  /** https://localhost:<port> */
  url: string;
  requests: ProviderRequest[];
  streams: StreamLog[];
  /** Default gap between streamed events (ms). */
  delayMs: number;
  /** Overrides the answer for matching requests (return undefined to fall back to the fixtures). */
  handle(fn: ((req: ProviderRequest) => Reply | undefined) | undefined): void;
  close(): Promise<void>;
}

const BODY_KEEP_LIMIT = 4 * 1024 * 1024;

export async function startFakeProvider(opts: { cert: TestServerCert; delayMs?: number }): Promise<FakeProvider> {
  let override: ((req: ProviderRequest) => Reply | undefined) | undefined;
  const requests: ProviderRequest[] = [];
  const streams: StreamLog[] = [];
  const provider: FakeProvider = {
    port: 0,
    url: '',
    requests,
    streams,
    delayMs: opts.delayMs ?? 0,
    handle: (fn) => {
      override = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server = https.createServer({ cert: opts.cert.cert, key: opts.cert.key }, (req, res) => {
    void readRequest(req).then(
      (request) => {
        requests.push(request);
        const reply = override?.(request) ?? defaultReply(request);
        return send(res, reply, provider.delayMs, streams, request.path);
      },
      (err: Error) => {
        // A client that went away mid-upload: nothing to answer.
        if (!res.headersSent && !res.destroyed) res.writeHead(400).end(`could not read the request: ${err.message}\n`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.port = (server.address() as AddressInfo).port;
  provider.url = `https://localhost:${provider.port}`;
  return provider;
}

function readRequest(req: IncomingMessage): Promise<ProviderRequest> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
      if (bytes <= BODY_KEEP_LIMIT) kept.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'localhost'}`);
      const body = bytes <= BODY_KEEP_LIMIT ? Buffer.concat(kept) : undefined;
      let json: unknown;
      if (body?.length && String(req.headers['content-type'] ?? '').includes('json')) {
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          json = undefined;
        }
      }
      resolve({
        method: req.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        url,
        headers: req.headers,
        bytes,
        sha256: hash.digest('hex'),
        body,
        json,
        receivedAt: Date.now(),
      });
    });
  });
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const JSON_HEADERS = { 'content-type': 'application/json' };

/** The fixture a real provider would send for this request. */
export function defaultReply(req: ProviderRequest): Reply {
  const body = (req.json ?? {}) as { stream?: boolean };
  const p = req.url.pathname;
  if (req.method === 'POST' && p.endsWith('/chat/completions')) {
    return body.stream
      ? { headers: SSE_HEADERS, events: sseEvents(fixtureText('openai-chat/stream-parallel-tools.sse')) }
      : { headers: JSON_HEADERS, body: fixtureText('openai-chat/nonstream-tools.json') };
  }
  if (req.method === 'POST' && p.endsWith('/responses')) {
    return body.stream
      ? { headers: SSE_HEADERS, events: sseEvents(fixtureText('openai-responses/stream-tools.sse')) }
      : { headers: JSON_HEADERS, body: fixtureText('openai-responses/nonstream-tools.json') };
  }
  if (req.method === 'POST' && p.endsWith('/v1/messages')) {
    return body.stream
      ? { headers: SSE_HEADERS, events: sseEvents(fixtureText('anthropic/stream-tools.sse')) }
      : { headers: JSON_HEADERS, body: fixtureText('anthropic/nonstream-tools.json') };
  }
  if (req.method === 'POST' && p.endsWith(':streamGenerateContent')) {
    if (req.url.searchParams.get('alt') === 'sse') return { headers: SSE_HEADERS, events: sseEvents(fixtureText('gemini/stream.sse')) };
    // Without alt=sse Gemini streams one JSON array, element by element.
    const array = fixtureText('gemini/stream-array.json');
    return { headers: JSON_HEADERS, events: array.split(/(?<=\n)(?=,)/) };
  }
  if (req.method === 'POST' && p.endsWith(':generateContent')) {
    return { headers: JSON_HEADERS, body: fixtureText('gemini/nonstream-tools.json') };
  }
  return {
    headers: JSON_HEADERS,
    body: JSON.stringify({ method: req.method, path: req.path, bytes: req.bytes, sha256: req.sha256 }),
  };
}

async function send(res: ServerResponse, reply: Reply, defaultDelay: number, streams: StreamLog[], reqPath: string): Promise<void> {
  if ('body' in reply) {
    res.writeHead(reply.status ?? 200, reply.headers ?? {});
    res.end(reply.body);
    return;
  }
  const log: StreamLog = { path: reqPath, sentAt: [] };
  streams.push(log);
  let closed = false;
  res.on('close', () => {
    closed = true;
    if (log.endedAt === undefined) log.closedEarly = true;
  });
  res.writeHead(reply.status ?? 200, reply.headers ?? SSE_HEADERS);
  res.flushHeaders();
  const delay = reply.delayMs ?? defaultDelay;
  for (let i = 0; i < reply.events.length; i++) {
    if (closed) return;
    if (i > 0 && delay > 0) await sleep(delay);
    if (closed) return;
    res.write(reply.events[i]);
    log.sentAt.push(Date.now());
  }
  if (reply.keepOpen) return;
  log.endedAt = Date.now();
  res.end();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
