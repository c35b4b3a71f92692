/**
 * What kind of traffic a request is: an LLM call (which provider, wire format, model,
 * streamed or not), an MCP message, an A2A call, or plain HTTP.
 *
 * Runs on every request in the proxy's hot path: string tests only, no regex that can
 * backtrack, the body parsed at most once (pass `parsed` when the caller already did).
 * A missing, truncated or non-JSON body never throws; the request is classified by what
 * is known (host, path, headers).
 */
import type { LlmApi } from './llm/types.js';
import { isMcpMethod } from './mcp/methods.js';

export interface RequestMeta {
  method: string;
  host: string;
  port?: number;
  /** Path with query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export type Protocol = 'llm' | 'mcp' | 'a2a' | 'http';

export interface Classification {
  protocol: Protocol;
  provider?: string;
  api?: LlmApi;
  model?: string;
  stream?: boolean;
  mcpTransport?: 'streamable-http' | 'sse-legacy';
  /** JSON-RPC method of an MCP message (the first one of a batch). */
  mcpMethod?: string;
  a2a?: { kind: 'agent-card' | 'rpc'; method?: string };
}

// --- hosts -------------------------------------------------------------------------

const EXACT_HOSTS: Record<string, string> = {
  'api.openai.com': 'openai',
  'api.anthropic.com': 'anthropic',
  'generativelanguage.googleapis.com': 'google',
  'aiplatform.googleapis.com': 'vertex',
  'api.mistral.ai': 'mistral',
  'codestral.mistral.ai': 'mistral',
  'api.groq.com': 'groq',
  'openrouter.ai': 'openrouter',
  'api.deepseek.com': 'deepseek',
  'api.x.ai': 'xai',
  'api.together.xyz': 'together',
  'api.fireworks.ai': 'fireworks',
  'api.perplexity.ai': 'perplexity',
  'api.cerebras.ai': 'cerebras',
  'api.githubcopilot.com': 'github-copilot',
  'models.github.ai': 'github-models',
  'models.inference.ai.azure.com': 'github-models',
};

const SUFFIX_HOSTS: [string, string][] = [
  ['-aiplatform.googleapis.com', 'vertex'],
  ['.openai.azure.com', 'azure-openai'],
  ['.cognitiveservices.azure.com', 'azure-openai'],
  ['.services.ai.azure.com', 'azure-openai'],
  ['.githubcopilot.com', 'github-copilot'],
];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

function providerForHost(host: string, port: number | undefined): string | undefined {
  const exact = EXACT_HOSTS[host];
  if (exact) return exact;
  for (const [suffix, provider] of SUFFIX_HOSTS) if (host.endsWith(suffix)) return provider;
  if (host.startsWith('bedrock-runtime') && host.endsWith('.amazonaws.com')) return 'bedrock';
  if (LOOPBACK.has(host) || host.endsWith('.localhost')) return port === 11434 ? 'ollama' : 'local';
  return undefined;
}

// --- MCP and A2A methods ---------------------------------------------------------------

// MCP's method list lives in mcp/methods.ts (it leaves out `tasks/*`, which A2A uses too).
// This A2A list is narrower than a2a/methods.ts: no `tasks/list` (an MCP method too since
// 2025-11-25) and none of the pre-0.3 drafts' names. Sharing that one would change what a
// bare JSON-RPC body is classified as, so it stays separate.
const A2A_METHODS = new Set([
  // v0.3
  'message/send',
  'message/stream',
  'tasks/get',
  'tasks/cancel',
  'tasks/resubscribe',
  'tasks/pushNotificationConfig/set',
  'tasks/pushNotificationConfig/get',
  'tasks/pushNotificationConfig/list',
  'tasks/pushNotificationConfig/delete',
  'agent/getAuthenticatedExtendedCard',
  // v1.0
  'SendMessage',
  'SendStreamingMessage',
  'GetTask',
  'ListTasks',
  'CancelTask',
  'SubscribeToTask',
  'CreateTaskPushNotificationConfig',
  'GetTaskPushNotificationConfig',
  'ListTaskPushNotificationConfig',
  'DeleteTaskPushNotificationConfig',
  'GetExtendedAgentCard',
]);

// --- helpers ------------------------------------------------------------------------

function header(h: RequestMeta['headers'], name: string): string | undefined {
  const v = h[name] ?? h[name.toLowerCase()];
  if (v === undefined) {
    // Callers usually pass Node's lower-cased headers; tolerate other casings.
    for (const k of Object.keys(h)) if (k.toLowerCase() === name) return first(h[k]);
    return undefined;
  }
  return first(v);
}
const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function normaliseHost(host: string): { host: string; port?: number } {
  let h = host.trim().toLowerCase();
  let port: number | undefined;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    const rest = h.slice(end + 1);
    if (rest.startsWith(':')) port = Number(rest.slice(1)) || undefined;
    return { host: h.slice(0, end + 1), port };
  }
  const colon = h.indexOf(':');
  if (colon >= 0 && h.indexOf(':', colon + 1) < 0) {
    port = Number(h.slice(colon + 1)) || undefined;
    h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return { host: h, port };
}

type Json = Record<string, unknown>;

function parseBody(body: Buffer | Uint8Array | undefined): unknown {
  if (!body || body.length === 0) return undefined;
  let i = 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
  if (body[i] !== 0x7b && body[i] !== 0x5b) return undefined; // not a JSON object or array
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return undefined; // truncated or malformed: classify by host, path and headers
  }
}

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Model from a URL segment `/models/<model>:verb` or `/model/<id>/…`. */
function segmentAfter(path: string, marker: string, stops: string): string | undefined {
  const at = path.indexOf(marker);
  if (at < 0) return undefined;
  const start = at + marker.length;
  let end = start;
  while (end < path.length && !stops.includes(path[end])) end++;
  if (end === start) return undefined;
  const raw = path.slice(start, end);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // a malformed %-escape: keep the bytes as sent
  }
}

// --- LLM ---------------------------------------------------------------------------------

interface LlmMatch {
  api?: LlmApi;
  model?: string;
  stream?: boolean;
  provider?: string;
}

function matchLlmPath(method: string, pathname: string, query: string, hostProvider: string | undefined, headers: RequestMeta['headers']): LlmMatch | undefined {
  if (method !== 'POST') return undefined;

  // Gemini, on any host: /v1beta/models/<model>:generateContent, Vertex publishers/google/…
  const colon = pathname.lastIndexOf(':');
  if (colon > 0) {
    const verb = pathname.slice(colon + 1);
    if (verb === 'generateContent' || verb === 'streamGenerateContent') {
      return {
        api: 'gemini',
        model: segmentAfter(pathname, '/models/', ':/'),
        stream: verb === 'streamGenerateContent',
        provider: hostProvider ?? 'google',
      };
    }
    // Vertex AI relaying Anthropic's Messages API: publishers/anthropic/models/<m>:streamRawPredict
    if ((verb === 'rawPredict' || verb === 'streamRawPredict') && pathname.includes('/publishers/anthropic/')) {
      return { api: 'anthropic-messages', model: segmentAfter(pathname, '/models/', ':/'), stream: verb === 'streamRawPredict', provider: 'vertex-anthropic' };
    }
  }

  // Bedrock runtime: /model/<id>/converse[-stream] | invoke[-with-response-stream]
  if (hostProvider === 'bedrock' && pathname.startsWith('/model/')) {
    const slash = pathname.lastIndexOf('/');
    const op = pathname.slice(slash + 1);
    const model = segmentAfter(pathname, '/model/', '/');
    if (op === 'converse' || op === 'converse-stream') return { api: 'bedrock-converse', model, stream: op === 'converse-stream', provider: 'bedrock' };
    if (op === 'invoke' || op === 'invoke-with-response-stream') {
      // The body is the model vendor's own JSON: Anthropic's for Claude (its streamed
      // events arrive wrapped in AWS event-stream frames, which the parser unwraps).
      const anthropic = model !== undefined && model.includes('anthropic.');
      return { api: anthropic ? 'anthropic-messages' : undefined, model, stream: op === 'invoke-with-response-stream', provider: 'bedrock' };
    }
  }

  if (pathname.endsWith('/chat/completions')) {
    // Azure: /openai/deployments/<deployment>/chat/completions?api-version=…
    const model = hostProvider === 'azure-openai' ? segmentAfter(pathname, '/deployments/', '/') : undefined;
    return { api: 'openai-chat', model, provider: hostProvider ?? 'openai-compatible' };
  }
  if (pathname.endsWith('/responses') && (hostProvider !== undefined || pathname.endsWith('/v1/responses'))) {
    const model = hostProvider === 'azure-openai' ? segmentAfter(pathname, '/deployments/', '/') : undefined;
    return { api: 'openai-responses', model, provider: hostProvider ?? 'openai-compatible' };
  }
  if (pathname.endsWith('/v1/messages') || (hostProvider === 'anthropic' && pathname.endsWith('/messages'))) {
    // Anthropic's wire format on any host is known by its version header. `/messages`
    // with `?sessionId=` is MCP's legacy SSE transport, not Anthropic.
    if (hostProvider === 'anthropic' || header(headers, 'anthropic-version') !== undefined) {
      if (!query.includes('sessionId=')) return { api: 'anthropic-messages', provider: hostProvider === 'local' || !hostProvider ? 'anthropic-compatible' : hostProvider };
    }
  }
  // Ollama's native chat API; only on its own port, since `/api/chat` is a common app route.
  if (pathname === '/api/chat' && hostProvider === 'ollama') {
    return { api: 'ollama-chat', provider: hostProvider };
  }
  return undefined;
}

function llmBodyFacts(api: LlmApi | undefined, body: unknown): { model?: string; stream?: boolean } {
  if (!isJson(body)) return {};
  const model = typeof body.model === 'string' ? body.model : undefined;
  if (api === 'ollama-chat') return { model, stream: body.stream !== false }; // Ollama streams unless told not to
  return { model, stream: body.stream === true };
}

// --- JSON-RPC ----------------------------------------------------------------------------

interface RpcFacts {
  isRpc: boolean;
  method?: string;
}

function rpcFacts(body: unknown): RpcFacts {
  const msg = Array.isArray(body) ? body[0] : body;
  if (!isJson(msg) || msg.jsonrpc !== '2.0') return { isRpc: false };
  return { isRpc: true, method: typeof msg.method === 'string' ? msg.method : undefined };
}

// --- classify ------------------------------------------------------------------------------

export function classify(req: RequestMeta, body?: Buffer | Uint8Array, parsed?: unknown): Classification {
  const method = req.method.toUpperCase();
  const { host, port: hostPort } = normaliseHost(req.host);
  const port = req.port ?? hostPort;
  const q = req.path.indexOf('?');
  const pathname = q < 0 ? req.path : req.path.slice(0, q);
  const query = q < 0 ? '' : req.path.slice(q + 1);
  const headers = req.headers;
  const hostProvider = providerForHost(host, port);
  const json = parsed !== undefined ? parsed : parseBody(body);

  // 1. A known LLM wire format (on any host).
  const llm = matchLlmPath(method, pathname, query, hostProvider, headers);
  if (llm) {
    const facts = llmBodyFacts(llm.api, json);
    const out: Classification = { protocol: 'llm', provider: llm.provider };
    if (llm.api) out.api = llm.api;
    // The body names the real model; Azure's URL only names a deployment.
    const model = facts.model ?? llm.model;
    if (model !== undefined) out.model = model;
    out.stream = llm.stream ?? facts.stream ?? false;
    return out;
  }

  // 2. A2A: agent cards and A2A JSON-RPC methods.
  if (method === 'GET' && (pathname.endsWith('/.well-known/agent-card.json') || pathname.endsWith('/.well-known/agent.json'))) {
    return { protocol: 'a2a', a2a: { kind: 'agent-card' } };
  }
  const rpc = rpcFacts(json);
  if (rpc.method !== undefined && A2A_METHODS.has(rpc.method)) {
    return { protocol: 'a2a', a2a: { kind: 'rpc', method: rpc.method } };
  }
  const a2aVersion = header(headers, 'a2a-version');
  if (a2aVersion !== undefined || pathname.endsWith('/message:send') || pathname.endsWith('/message:stream')) {
    const out: Classification = { protocol: 'a2a', a2a: { kind: 'rpc' } };
    if (rpc.method !== undefined) out.a2a!.method = rpc.method;
    return out;
  }

  // 3. MCP: by method, by session/protocol headers, by transport shape.
  const accept = (header(headers, 'accept') ?? '').toLowerCase();
  const acceptsSse = accept.includes('text/event-stream');
  const legacyPost = method === 'POST' && query.includes('sessionId=') && pathname.endsWith('/messages');
  const legacyGet = method === 'GET' && acceptsSse && pathname.endsWith('/sse');
  const mcpHeaders = header(headers, 'mcp-session-id') !== undefined || header(headers, 'mcp-protocol-version') !== undefined;
  const streamableShape = method === 'POST' && acceptsSse && accept.includes('application/json') && rpc.isRpc;
  if (isMcpMethod(rpc.method) || mcpHeaders || streamableShape || legacyPost || legacyGet) {
    const out: Classification = { protocol: 'mcp', mcpTransport: legacyPost || legacyGet ? 'sse-legacy' : 'streamable-http' };
    if (rpc.method !== undefined) out.mcpMethod = rpc.method;
    return out;
  }

  // 4. Other calls to a known LLM provider (model lists, embeddings, count_tokens…).
  if (hostProvider !== undefined && hostProvider !== 'local' && hostProvider !== 'ollama') {
    return { protocol: 'llm', provider: hostProvider };
  }
  if (hostProvider === 'ollama' && pathname.startsWith('/api/')) return { protocol: 'llm', provider: 'ollama' };

  return { protocol: 'http' };
}
