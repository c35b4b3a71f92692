import { SECRET_SCAN_LIMIT, findSecrets } from '../detectors/secret-rules.js';

/**
 * Redaction before storage. Credentials must never reach the audit database, an export
 * or a SIEM: headers, URLs, bodies and free text go through here first, and the audit
 * writer runs every event through scrubEventData() as a last line of defence.
 */

export const REDACTED = '[REDACTED]';

const SENSITIVE_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'cookie',
  'set-cookie', 'x-auth-token',
]);
const SENSITIVE_HEADER_PART = /token|secret|key|auth|session|cookie|password|passwd|credential|signature/i;

export function isSensitiveHeader(name: string): boolean {
  const n = name.toLowerCase();
  return SENSITIVE_HEADERS.has(n) || SENSITIVE_HEADER_PART.test(n);
}

export type HeaderValue = string | string[] | number | undefined;

/** A copy of `headers` with every credential-bearing value replaced by [REDACTED]. */
export function redactHeaders<T extends Record<string, HeaderValue>>(headers: T): T {
  const out: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (isSensitiveHeader(name)) out[name] = Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
    else if (Array.isArray(value)) out[name] = value.map((v) => redactText(v));
    else out[name] = typeof value === 'string' ? redactText(value) : value;
  }
  return out as T;
}

const SENSITIVE_PARAMS = new Set([
  'key', 'api_key', 'apikey', 'api-key', 'token', 'access_token', 'refresh_token', 'id_token', 'sig',
  'signature', 'password', 'passwd', 'secret', 'client_secret', 'code', 'auth', 'x-amz-signature',
  'x-amz-credential', 'x-amz-security-token', 'x-goog-signature', 'x-goog-credential',
]);
const SENSITIVE_PARAM_PART = /token|secret|password|passwd|api[_-]?key|signature|credential/i;

function isSensitiveParam(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    // A malformed escape: judge the raw name.
  }
  return SENSITIVE_PARAMS.has(decoded.toLowerCase()) || SENSITIVE_PARAM_PART.test(decoded);
}

/**
 * Redacts credentials in a URL or a request target ("/path?query"): sensitive query
 * parameters become REDACTED, user:password@ is removed, and secrets found anywhere else
 * (e.g. a token in a path segment) are replaced. The rest is kept byte for byte, so the
 * path still reads as the client sent it.
 */
export function redactUrl(url: string): string {
  let rest = url;
  let prefix = '';
  const scheme = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(rest);
  if (scheme) {
    const authority = scheme[2];
    const at = authority.lastIndexOf('@');
    prefix = scheme[1] + (at >= 0 ? authority.slice(at + 1) : authority);
    rest = rest.slice(scheme[0].length);
  }
  const hashAt = rest.indexOf('#');
  let fragment = hashAt >= 0 ? rest.slice(hashAt) : '';
  if (hashAt >= 0) rest = rest.slice(0, hashAt);
  const qAt = rest.indexOf('?');
  const pathPart = qAt >= 0 ? rest.slice(0, qAt) : rest;
  let query = qAt >= 0 ? rest.slice(qAt + 1) : undefined;
  if (query !== undefined) query = redactQuery(query);
  // OAuth implicit flows put tokens in the fragment (#access_token=...).
  if (fragment.includes('=')) fragment = `#${redactQuery(fragment.slice(1))}`;
  return redactText(prefix + pathPart) + (query !== undefined ? `?${query}` : '') + redactText(fragment);
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return redactText(pair);
      const name = pair.slice(0, eq);
      return isSensitiveParam(name) ? `${name}=REDACTED` : `${name}=${redactText(pair.slice(eq + 1))}`;
    })
    .join('&');
}

/** Credential-like text outside the secret rules: HTTP auth schemes in free text. */
const AUTH_SCHEME = /\b(Bearer|Basic|Digest|Splunk|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/**
 * Replaces every secret findSecrets() knows (keys, tokens, private keys...) and any
 * "Bearer xyz"-style credential with a placeholder. Text longer than the scanner's limit
 * is cut there, so nothing unscanned is ever returned.
 */
export function redactText(text: string): string {
  if (text.length <= CLEAN_MEMO_MAX_LENGTH && knownClean.has(text)) return text;
  const out = scanAndRedact(text);
  if (out === text && text.length <= CLEAN_MEMO_MAX_LENGTH) rememberClean(text);
  return out;
}

/**
 * Short strings that were scanned and hold no secret. An event's strings repeat from flow
 * to flow (model, API and tool names, hosts, stop reasons), and scanning each against
 * every rule again was about 5 % of the proxy's time under load (bench/RESULTS.md). Only
 * clean strings are kept, so the memo never holds a secret; it is emptied when full.
 */
const CLEAN_MEMO_MAX_LENGTH = 200;
const CLEAN_MEMO_SIZE = 4096;
const knownClean = new Set<string>();

function rememberClean(text: string): void {
  if (knownClean.size >= CLEAN_MEMO_SIZE) knownClean.clear();
  knownClean.add(text);
}

function scanAndRedact(text: string): string {
  let t = text;
  let truncated = false;
  if (t.length > SECRET_SCAN_LIMIT) {
    t = t.slice(0, SECRET_SCAN_LIMIT);
    truncated = true;
  }
  const matches = findSecrets(t);
  if (matches.length > 0) {
    let out = '';
    let at = 0;
    for (const m of matches) {
      out += t.slice(at, m.start) + `[REDACTED:${m.ruleId}]`;
      at = m.end;
    }
    t = out + t.slice(at);
  }
  t = t.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  return truncated ? `${t}…[truncated]` : t;
}

/**
 * JSON member names that hold credentials. Names are compared lowercased with - and _
 * removed; plurals like max_tokens / input_tokens are counts and deliberately not here.
 */
const CREDENTIAL_NAMES = new Set([
  'authorization', 'proxyauthorization', 'apikey', 'xapikey', 'xgoogapikey', 'accesstoken',
  'refreshtoken', 'idtoken', 'token', 'authtoken', 'xauthtoken', 'bearertoken', 'sessiontoken',
  'secret', 'clientsecret', 'secretkey', 'privatekey', 'accesskey', 'secretaccesskey',
  'awssecretaccesskey', 'password', 'passwd', 'pwd', 'passphrase', 'cookie', 'setcookie',
  'credentials', 'credential', 'bearer', 'signature', 'webhooksecret', 'hmacsecret',
]);

export function isCredentialName(name: string): boolean {
  // Asked for every member name of every event: names repeat, so each is judged once
  // (bounded, emptied when full; names only, never values).
  let credential = judgedNames.get(name);
  if (credential === undefined) {
    const n = name.toLowerCase().replace(/[-_\s]/g, '');
    credential = CREDENTIAL_NAMES.has(n) || /(apikey|secret|password|passwd|token)$/.test(n) || n.endsWith('authorization');
    if (judgedNames.size >= 4096) judgedNames.clear();
    judgedNames.set(name, credential);
  }
  return credential;
}

const judgedNames = new Map<string, boolean>();

const MAX_DEPTH = 32;

/**
 * A JSON-safe, redacted deep copy: members named like credentials become [REDACTED],
 * string values pass through redactText(), and values JSON cannot hold are turned into
 * something it can (bigint → string, Date → ISO, bytes → a size note, NaN/Infinity →
 * null, cycles and very deep nesting → a marker). The audit writer stores exactly this.
 */
export function scrubValue(value: unknown, depth = 0, seen: Set<object> = new Set()): unknown {
  switch (typeof value) {
    case 'string':
      return redactText(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return `[binary ${value.byteLength} bytes]`;
  const obj = value as object;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(obj)) return '[circular]';
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((v) => scrubValue(v, depth + 1, seen) ?? null);
    if (obj instanceof Map) return scrubValue(Object.fromEntries(obj), depth, seen);
    if (obj instanceof Set) return scrubValue([...obj], depth, seen);
    // Members in sorted order: the copy is then already in canonical order, and the audit
    // log's canonical JSON of it is a plain JSON.stringify (audit/canonical.ts).
    const out: Record<string, unknown> = {};
    const source = obj as Record<string, unknown>;
    const keys = Object.keys(source);
    if (!isSorted(keys)) keys.sort(); // most objects here were built in order already
    for (const k of keys) {
      const v = source[k];
      if (isCredentialName(k) && v !== null && v !== undefined && v !== '') {
        out[k] = REDACTED;
        continue;
      }
      const s = scrubValue(v, depth + 1, seen);
      if (s !== undefined) out[k] = s;
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}

/** The last-line-of-defence scrub for an event's `data`. */
export function scrubEventData(data: Record<string, unknown> | undefined): Record<string, unknown> {
  if (data === undefined || data === null) return {};
  const s = scrubValue(data);
  return s !== null && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>) : { value: s };
}

/**
 * Redacts a request or response body: JSON is parsed and scrubbed member by member
 * (so {"api_key": "..."} loses its value even when no secret rule knows its shape),
 * anything else is treated as text.
 */
export function redactBody(body: string | Buffer | Uint8Array, contentType?: string): string {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const looksJson = (contentType ?? '').includes('json') || /^\s*[[{]/.test(text);
  if (looksJson && text.length <= SECRET_SCAN_LIMIT) {
    try {
      return JSON.stringify(scrubValue(JSON.parse(text)));
    } catch {
      // Not JSON after all (or a JSON stream such as SSE/NDJSON): redact it as text.
    }
  }
  return redactFormOrText(text, contentType);
}

function redactFormOrText(text: string, contentType?: string): string {
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) return redactQuery(text);
  // Line-wise "key: value" / "KEY=value" shapes (env files, YAML, SSE data) by name.
  return redactText(text).replace(
    /^([ \t]*["']?)([A-Za-z0-9_.-]{2,64})(["']?[ \t]*[:=][ \t]*)(.+)$/gm,
    (line, lead: string, name: string, sep: string, value: string) =>
      isCredentialName(name) && !value.startsWith('[REDACTED') ? `${lead}${name}${sep}${REDACTED}` : line,
  );
}

export interface AuditBodySettings {
  /** Store request/response bodies with events (off by default). */
  storeBodies: boolean;
  /** Cap per stored body, in bytes of UTF-8 text. */
  maxBodyBytes: number;
}

export const DEFAULT_BODY_SETTINGS: AuditBodySettings = { storeBodies: false, maxBodyBytes: 64 * 1024 };

export interface StoredBody {
  text: string;
  /** Size of the body as seen, before redaction and the cap. */
  bytes: number;
  truncated: boolean;
}

/**
 * What to keep of a body in the log: nothing unless settings.storeBodies, otherwise the
 * redacted text cut to maxBodyBytes. Redaction runs on the whole body (or a window past
 * the cap) BEFORE cutting, so a secret straddling the cut cannot leave a readable prefix.
 */
export function bodyForStorage(
  body: string | Buffer | Uint8Array | undefined,
  settings: AuditBodySettings,
  contentType?: string,
): StoredBody | undefined {
  if (!settings.storeBodies || body === undefined) return undefined;
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const cap = Math.max(0, settings.maxBodyBytes);
  // A window past the cap so secrets crossing it are still whole when scanned.
  const window = buf.length > cap + 16 * 1024 ? buf.subarray(0, cap + 16 * 1024) : buf;
  const redacted = Buffer.from(redactBody(window, contentType), 'utf8');
  if (redacted.length <= cap && window.length === buf.length) return { text: redacted.toString('utf8'), bytes: buf.length, truncated: false };
  // Cut on a UTF-8 character boundary.
  let end = Math.min(cap, redacted.length);
  while (end > 0 && (redacted[end] & 0xc0) === 0x80) end--;
  return { text: redacted.subarray(0, end).toString('utf8'), bytes: buf.length, truncated: true };
}
