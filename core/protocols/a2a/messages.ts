import { isErrorResponse, isRequest, isResponse, parseJsonRpc, type JsonRpcErrorObject, type JsonRpcId } from '../mcp/jsonrpc.js';
import { a2aMethod, type A2aOp, type A2aVersion } from './methods.js';

/**
 * What an A2A JSON-RPC exchange says: which operation, which task and context, the task's
 * state, and the text that crossed (capped; detectors scan it, the log shows its start).
 * Reads v0.3 shapes (`kind`-tagged objects, lower-case states) and v1.0 shapes (oneof
 * wrappers `{ task }`, `{ message }`, `{ statusUpdate }`, `{ artifactUpdate }`, states
 * like TASK_STATE_WORKING, roles like ROLE_USER). Pure; never throws.
 */

export type A2aPayloadKind = 'task' | 'message' | 'status-update' | 'artifact-update' | 'task-list' | 'other';

export interface A2aFacts {
  direction: 'request' | 'response';
  id?: JsonRpcId | null;
  method?: string;
  version?: A2aVersion;
  op?: A2aOp;
  /** The request asks for an SSE stream (message/stream, SendStreamingMessage, resubscribe). */
  streaming?: boolean;
  kind?: A2aPayloadKind;
  taskId?: string;
  contextId?: string;
  messageId?: string;
  role?: 'user' | 'agent';
  /** Task state, normalised to the v0.3 spelling: submitted, working, input-required, completed, … */
  state?: string;
  /** The task reached a terminal or interrupted state (or a v0.3 status-update said final). */
  final?: boolean;
  text?: string;
  textTruncated?: boolean;
  /** ListTasks: how many tasks came back. */
  taskCount?: number;
  error?: JsonRpcErrorObject;
}

export const A2A_MAX_TEXT = 16 * 1024;

const TERMINAL = new Set(['completed', 'failed', 'canceled', 'rejected', 'input-required', 'auth-required']);

/** Reads a request body (a POST to the agent's JSON-RPC endpoint). */
export function readA2aRequest(body: string | unknown): { facts: A2aFacts[]; error?: string } {
  const parsed = parseJsonRpc(body);
  const facts: A2aFacts[] = [];
  for (const m of parsed.messages) {
    if (!('method' in m)) continue;
    const known = a2aMethod(m.method);
    const f: A2aFacts = { direction: 'request', method: m.method, ...(isRequest(m) ? { id: m.id } : {}) };
    if (known) {
      f.version = known.version;
      f.op = known.op;
      f.streaming = known.op === 'stream' || known.op === 'subscribe';
    }
    const p = isRecord(m.params) ? m.params : {};
    if (isRecord(p.message)) Object.assign(f, messageFacts(p.message));
    const id = str(p.id) ?? str(p.taskId) ?? taskIdFromName(str(p.name)) ?? taskIdFromName(str(p.parent));
    if (id && !f.taskId) f.taskId = id;
    if (!f.contextId && str(p.contextId)) f.contextId = str(p.contextId);
    facts.push(f);
  }
  return { facts, ...(parsed.error ? { error: parsed.error } : {}) };
}

/**
 * Reads a response body, or the data of one SSE event of a streamed answer (each event is
 * a JSON-RPC response carrying one update). `method` is the request's, when known.
 */
export function readA2aResponse(body: string | unknown, method?: string): { facts: A2aFacts[]; error?: string } {
  const parsed = parseJsonRpc(body);
  const known = a2aMethod(method);
  const facts: A2aFacts[] = [];
  for (const m of parsed.messages) {
    if (!isResponse(m)) continue;
    const f: A2aFacts = { direction: 'response', id: m.id, ...(method ? { method } : {}), ...(known ? { version: known.version, op: known.op } : {}) };
    if (isErrorResponse(m)) f.error = m.error;
    else Object.assign(f, resultFacts(m.result));
    facts.push(f);
  }
  return { facts, ...(parsed.error ? { error: parsed.error } : {}) };
}

function resultFacts(result: unknown): Partial<A2aFacts> {
  if (!isRecord(result)) return { kind: 'other' };
  // v1.0 oneof wrappers.
  if (isRecord(result.task)) return taskFacts(result.task);
  if (isRecord(result.message)) return messageFacts(result.message);
  if (isRecord(result.statusUpdate)) return statusFacts(result.statusUpdate);
  if (isRecord(result.artifactUpdate)) return artifactFacts(result.artifactUpdate);
  if (Array.isArray(result.tasks)) return { kind: 'task-list', taskCount: result.tasks.length };
  // v0.3 kind-tagged objects.
  switch (result.kind) {
    case 'task':
      return taskFacts(result);
    case 'message':
      return messageFacts(result);
    case 'status-update':
      return statusFacts(result);
    case 'artifact-update':
      return artifactFacts(result);
    default:
      break;
  }
  // v1.0 GetTask / CancelTask answer a bare Task.
  if (str(result.id) && isRecord(result.status)) return taskFacts(result);
  if (str(result.messageId) && Array.isArray(result.parts)) return messageFacts(result);
  return { kind: 'other' };
}

function taskFacts(t: Record<string, unknown>): Partial<A2aFacts> {
  const status = isRecord(t.status) ? t.status : {};
  const state = normaliseState(status.state);
  const texts: string[] = [];
  if (isRecord(status.message)) texts.push(partsText(status.message.parts));
  for (const a of Array.isArray(t.artifacts) ? t.artifacts : []) if (isRecord(a)) texts.push(partsText(a.parts));
  return {
    kind: 'task',
    ...ids(t.id, t.contextId),
    ...(state ? { state, final: TERMINAL.has(state) } : {}),
    ...capText(texts.filter(Boolean).join('\n')),
  };
}

function messageFacts(m: Record<string, unknown>): Partial<A2aFacts> {
  const role = normaliseRole(m.role);
  return {
    kind: 'message',
    ...ids(m.taskId, m.contextId),
    ...(str(m.messageId) ? { messageId: str(m.messageId) } : {}),
    ...(role ? { role } : {}),
    ...capText(partsText(m.parts)),
  };
}

function statusFacts(u: Record<string, unknown>): Partial<A2aFacts> {
  const status = isRecord(u.status) ? u.status : {};
  const state = normaliseState(status.state);
  const final = u.final === true || (state !== undefined && TERMINAL.has(state));
  return {
    kind: 'status-update',
    ...ids(u.taskId, u.contextId),
    ...(state ? { state } : {}),
    final,
    ...capText(isRecord(status.message) ? partsText(status.message.parts) : ''),
  };
}

function artifactFacts(u: Record<string, unknown>): Partial<A2aFacts> {
  const artifact = isRecord(u.artifact) ? u.artifact : {};
  return { kind: 'artifact-update', ...ids(u.taskId, u.contextId), ...capText(partsText(artifact.parts)) };
}

/** Text of message/artifact parts: v0.3 `{kind:'text', text}`, v1.0 `{ text }`; files and data are named. */
function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  const out: string[] = [];
  for (const p of parts) {
    if (!isRecord(p)) continue;
    if (typeof p.text === 'string') out.push(p.text);
    else if (p.kind === 'file' || isRecord(p.file) || typeof p.url === 'string' || typeof p.raw === 'string') out.push('[file]');
    else if (p.data !== undefined) out.push('[data]');
  }
  return out.join('\n');
}

function capText(text: string): Partial<A2aFacts> {
  if (!text) return {};
  return text.length > A2A_MAX_TEXT ? { text: text.slice(0, A2A_MAX_TEXT), textTruncated: true } : { text };
}

function ids(taskId: unknown, contextId: unknown): Partial<A2aFacts> {
  return { ...(str(taskId) ? { taskId: str(taskId) } : {}), ...(str(contextId) ? { contextId: str(contextId) } : {}) };
}

/** TASK_STATE_INPUT_REQUIRED → input-required; v0.3 states pass through. */
export function normaliseState(state: unknown): string | undefined {
  if (typeof state !== 'string' || state === '') return undefined;
  const s = state.replace(/^TASK_STATE_/, '').toLowerCase().replace(/_/g, '-');
  return s === 'cancelled' ? 'canceled' : s;
}

function normaliseRole(role: unknown): 'user' | 'agent' | undefined {
  if (typeof role !== 'string') return undefined;
  const r = role.replace(/^ROLE_/, '').toLowerCase();
  return r === 'user' ? 'user' : r === 'agent' ? 'agent' : undefined;
}

function taskIdFromName(name: string | undefined): string | undefined {
  const m = name ? /(?:^|\/)tasks\/([^/]+)/.exec(name) : null;
  return m ? m[1] : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
