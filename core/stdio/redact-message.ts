import type { JsonRpcMessage } from '../protocols/mcp/jsonrpc.js';

export const REDACTION_MARK = '[REDACTED by Belay]';

/** A copy of the message with every occurrence of the given strings replaced in its string values. */
export function redactMessage(msg: JsonRpcMessage, secrets: string[]): JsonRpcMessage {
  const list = secrets.filter((s) => s.length > 0);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return list.reduce((acc, s) => acc.split(s).join(REDACTION_MARK), v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, walk(val)]));
    return v;
  };
  return walk(msg) as JsonRpcMessage;
}
