import type { JsonRpcErrorResponse, JsonRpcId, JsonRpcResponse } from './jsonrpc.js';

/**
 * How Belay refuses an MCP request, the same over HTTP and stdio. A tools/call is refused
 * with a *result* carrying `isError: true` and one short fixed text: clients show it to
 * their user as a failed tool call (a JSON-RPC error is often shown as a broken server),
 * and a fixed text gives a model nothing to argue with or work around.
 */

/** Why the call was refused, which picks the fixed sentence that follows the reason. */
export type RefusalCause = 'declined' | 'policy' | 'timeout' | 'paused' | 'error';

const TAIL: Record<RefusalCause, string> = {
  declined: 'The user was asked and declined.',
  policy: 'Policy does not allow this call.',
  timeout: 'The user did not answer in time.',
  paused: 'Belay is paused: AI tool calls are blocked until the user resumes.',
  error: 'Belay could not check this call, so it was not run.',
};

const MAX_REASON = 80;

/**
 * The fixed refusal text. The reason is a rule name or finding label; it is neutralised
 * (no control characters or newlines, capped) so no server- or model-supplied text can
 * smuggle instructions into the refusal the model reads.
 */
export function blockedText(reason: string, cause: RefusalCause = 'declined'): string {
  return `Blocked by Belay: ${neutralise(reason)}. ${TAIL[cause]}`;
}

function neutralise(reason: string): string {
  const flat = String(reason)
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.\s]+$/, '');
  if (flat === '') return 'policy';
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON - 1)}…` : flat;
}

/** The refusal of a tools/call: a JSON-RPC result with isError and the text. */
export function mcpRefusal(id: JsonRpcId, text: string): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }], isError: true } };
}

/** Server-defined JSON-RPC error code Belay uses where a method's result has no error form. */
export const BELAY_REFUSAL_CODE = -32001;

/**
 * The refusal for any method: tools/call gets the isError result; methods whose results
 * cannot say "error" (resources/read, prompts/get, …) get a JSON-RPC error.
 */
export function mcpRefusalFor(method: string, id: JsonRpcId, text: string): JsonRpcResponse {
  if (method === 'tools/call') return mcpRefusal(id, text);
  const error: JsonRpcErrorResponse = { jsonrpc: '2.0', id, error: { code: BELAY_REFUSAL_CODE, message: text } };
  return error;
}
