import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

/**
 * The one HTTP(S) client the SIEM forwarders use: node:https with certificate
 * verification on unless a destination turns it off, an optional CA file added to the
 * system CAs, keep-alive, a deadline, and a bounded response read (answers from
 * collectors are small; a huge one is an error, not a reason to buffer it).
 */

export interface TlsOptions {
  verify: boolean;
  caFile?: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpClient {
  request(method: string, url: URL, headers: Record<string, string>, body: string | Buffer | undefined, signal?: AbortSignal): Promise<HttpResponse>;
  close(): void;
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** System CAs plus the destination's own CA file, read once. */
export function caBundle(caFile: string | undefined): string[] | undefined {
  if (!caFile) return undefined;
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the CA file ${caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Fix tls.caFile in siem.json.`, { cause: err });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`The CA file ${caFile} holds no PEM certificate.`);
  return [...tls.rootCertificates, pem];
}

export function createHttpClient(tlsOpts: TlsOptions, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): HttpClient {
  const ca = caBundle(tlsOpts.caFile);
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 2, rejectUnauthorized: tlsOpts.verify, ca });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  return {
    request(method, url, headers, body, signal) {
      return new Promise<HttpResponse>((resolve, reject) => {
        const isHttps = url.protocol === 'https:';
        const lib = isHttps ? https : http;
        const req = lib.request(
          url,
          {
            method,
            agent: isHttps ? httpsAgent : httpAgent,
            headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
            timeout: timeoutMs,
            signal,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > MAX_RESPONSE_BYTES) {
                res.destroy(new Error(`the answer from ${url.host} is larger than ${MAX_RESPONSE_BYTES} bytes`));
                return;
              }
              chunks.push(c);
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within ${timeoutMs} ms`)));
        req.on('error', (err) => reject(describeNetworkError(err, url.host)));
        req.end(body);
      });
    },
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

/** Turns socket and TLS error codes into a sentence that says what to check. */
export function describeNetworkError(err: Error, where: string): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const hints: Record<string, string> = {
    ECONNREFUSED: 'connection refused: is the collector running and listening on that port?',
    ENOTFOUND: 'host not found: check the host name',
    EAI_AGAIN: 'DNS lookup failed: check the network',
    ECONNRESET: 'the connection was reset by the other side',
    ETIMEDOUT: 'the connection timed out',
    EHOSTUNREACH: 'host unreachable',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed: add its CA with tls.caFile (or --ca-file)',
    SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate chain ends in an unknown CA: add it with tls.caFile (or --ca-file)',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is signed by an unknown CA: add it with tls.caFile (or --ca-file)',
    ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not name this host',
    CERT_HAS_EXPIRED: 'the server certificate has expired',
    ABORT_ERR: 'the request was cancelled (Belay is stopping)',
  };
  const hint = hints[code];
  const msg = hint ? `${where}: ${hint} (${code})` : `${where}: ${err.message}`;
  const out = new Error(msg, { cause: err });
  (out as NodeJS.ErrnoException).code = code;
  return out;
}

/** Retry-After as milliseconds (seconds or an HTTP date), capped at an hour. */
export function retryAfterMs(headers: http.IncomingHttpHeaders, now = Date.now()): number | undefined {
  const v = headers['retry-after'];
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const secs = Number(v);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(v) - now;
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, 3600_000);
}

/** The first few hundred characters of an answer, on one line, for error messages. */
export function snippet(text: string, max = 300): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}
