/**
 * JSON-RPC 2.0 message parsing, shared by MCP and A2A. Pure and total: whatever bytes a
 * copilot or a server sends, the parser answers with what it could read plus an error
 * string, never a throw, so a malformed message is logged instead of crashing a door.
 */

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: unknown;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResult {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: unknown;
}

export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  /** null when the peer could not read the request's id (parse error). */
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcResult | JsonRpcErrorResponse;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export interface ParsedJsonRpc {
  /** The well-formed messages, in wire order (a batch keeps its order). */
  messages: JsonRpcMessage[];
  /** True when the input was a JSON array (a JSON-RPC batch). */
  batch: boolean;
  /** What was wrong, when something was: unreadable JSON or some malformed members. */
  error?: string;
}

export function isRequest(m: JsonRpcMessage): m is JsonRpcRequest {
  return 'method' in m && 'id' in m;
}

export function isNotification(m: JsonRpcMessage): m is JsonRpcNotification {
  return 'method' in m && !('id' in m);
}

export function isResponse(m: JsonRpcMessage): m is JsonRpcResponse {
  return !('method' in m) && ('result' in m || 'error' in m);
}

export function isErrorResponse(m: JsonRpcMessage): m is JsonRpcErrorResponse {
  return !('method' in m) && 'error' in m;
}

/**
 * Reads one JSON-RPC payload: a string or bytes of JSON, or an already parsed value.
 * Batches keep their valid members even when some are malformed.
 */
export function parseJsonRpc(input: string | unknown): ParsedJsonRpc {
  let value: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    if (text.trim() === '') return { messages: [], batch: false, error: 'empty body: no JSON-RPC message' };
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { messages: [], batch: false, error: `not JSON: ${(err as Error).message}` };
    }
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { messages: [], batch: true, error: 'empty JSON-RPC batch' };
    const messages: JsonRpcMessage[] = [];
    const problems: string[] = [];
    value.forEach((member, i) => {
      const m = toMessage(member);
      if (typeof m === 'string') problems.push(`member ${i}: ${m}`);
      else messages.push(m);
    });
    return problems.length ? { messages, batch: true, error: problems.slice(0, 5).join('; ') } : { messages, batch: true };
  }
  const m = toMessage(value);
  return typeof m === 'string' ? { messages: [], batch: false, error: m } : { messages: [m], batch: false };
}

function isId(v: unknown): v is JsonRpcId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** Validates one member; answers the message or a short reason it is not one. */
function toMessage(v: unknown): JsonRpcMessage | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON-RPC object';
  const o = v as Record<string, unknown>;
  if (o.jsonrpc !== '2.0') return 'missing "jsonrpc": "2.0"';
  if ('method' in o) {
    if (typeof o.method !== 'string' || o.method === '') return '"method" is not a string';
    const base = o.params === undefined ? {} : { params: o.params };
    // JSON-RPC allows a null id on requests but MCP forbids it; treat it as a request we cannot answer by id.
    if ('id' in o && o.id !== undefined) {
      if (!isId(o.id)) return 'request "id" is not a string or number';
      return { jsonrpc: '2.0', id: o.id, method: o.method, ...base };
    }
    return { jsonrpc: '2.0', method: o.method, ...base };
  }
  if ('error' in o) {
    const e = o.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null) return '"error" is not an object';
    if (!(o.id === null || isId(o.id))) return 'error response "id" is not a string, number or null';
    const error: JsonRpcErrorObject = {
      code: typeof e.code === 'number' ? e.code : Number.NaN,
      message: typeof e.message === 'string' ? e.message : String(e.message ?? ''),
      ...(e.data === undefined ? {} : { data: e.data }),
    };
    return { jsonrpc: '2.0', id: o.id as JsonRpcId | null, error };
  }
  if ('result' in o) {
    if (!isId(o.id)) return 'response "id" is not a string or number';
    return { jsonrpc: '2.0', id: o.id, result: o.result };
  }
  return 'neither a request, a notification nor a response';
}

/** A stable map key for an id: 1 and "1" are different ids. */
export function idKey(id: JsonRpcId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}
