import type { ActionKind } from '../../pipeline/action.js';
import { DEFAULT_MAX_TEXT, joinContent, joinPromptMessages, joinResourceContents, type ContentText } from './content.js';
import {
  idKey,
  isErrorResponse,
  isNotification,
  isRequest,
  parseJsonRpc,
  type JsonRpcErrorObject,
  type JsonRpcId,
  type JsonRpcMessage,
} from './jsonrpc.js';
import { toolPin } from './pin.js';
import { readTool, type McpTool } from './tool.js';

/**
 * One MCP session (an HTTP session or one stdio connection): turns each JSON-RPC message
 * into facts the pipeline can judge and log, matching responses to their requests by id.
 * Transport-neutral: the proxy feeds it from HTTP bodies and SSE frames, the stdio relay
 * from newline-delimited lines.
 */

export type McpKind = Extract<ActionKind, `mcp.${string}`>;

/** Who sent the message. */
export type McpDirection = 'client-to-server' | 'server-to-client';

export interface PeerInfo {
  name?: string;
  version?: string;
  title?: string;
}

export interface InitializeFacts {
  client?: PeerInfo;
  server?: PeerInfo;
  /** Requested by the client on the request; negotiated (the server's answer) on the response. */
  protocolVersion?: string;
  clientCapabilities?: Record<string, unknown>;
  serverCapabilities?: Record<string, unknown>;
  /** The server's instructions for the model (capped): text a model reads, so scanned like descriptions. */
  instructions?: string;
}

export interface KnownTool extends McpTool {
  pin: string;
}

export interface ToolCallFacts {
  name: string;
  arguments: unknown;
  /** Present on the response. */
  result?: ContentText & { isError: boolean };
}

export interface McpFacts {
  direction: McpDirection;
  type: 'request' | 'notification' | 'response' | 'error';
  /** The method; on responses, the method of the request it answers (when matched). */
  method?: string;
  id?: JsonRpcId | null;
  kind: McpKind;
  /** ms since epoch the message was seen. */
  at: number;
  /** Responses: whether the request with this id was seen in this session. */
  matched?: boolean;
  /** Responses: time since the matched request. */
  latencyMs?: number;
  initialize?: InitializeFacts;
  /** tools/list results, each with its pin. */
  tools?: KnownTool[];
  nextCursor?: string;
  toolCall?: ToolCallFacts;
  resource?: { uri: string; result?: ContentText };
  prompt?: { name: string; arguments?: unknown; result?: ContentText };
  /** JSON-RPC error of an error response. */
  error?: JsonRpcErrorObject;
  /** notifications/{tools,resources,prompts}/list_changed. */
  listChanged?: 'tools' | 'resources' | 'prompts';
  /** notifications/cancelled: the request the sender gave up on. */
  cancelledId?: JsonRpcId;
}

export interface McpSessionOptions {
  /** Cap on joined result text kept in facts (default 64 KiB). */
  maxResultText?: number;
  /** Cap on requests awaiting an answer, per direction; the oldest are forgotten first. */
  maxPending?: number;
  /** Cap on tools remembered from tools/list. */
  maxTools?: number;
  now?: () => number;
}

interface Pending {
  method: string;
  at: number;
  params: unknown;
}

const KIND_BY_METHOD: Record<string, McpKind> = {
  initialize: 'mcp.initialize',
  'tools/list': 'mcp.tools_list',
  'tools/call': 'mcp.tool_call',
  'resources/read': 'mcp.resource_read',
  'prompts/get': 'mcp.prompt_get',
};

export function mcpKindOf(method: string | undefined): McpKind {
  return (method && KIND_BY_METHOD[method]) || 'mcp.message';
}

const LIST_CHANGED: Record<string, McpFacts['listChanged']> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/resources/list_changed': 'resources',
  'notifications/prompts/list_changed': 'prompts',
};

export class McpSession {
  /** Mcp-Session-Id, legacy sessionId, or a relay's own id; set by the transport. */
  sessionId?: string;
  clientInfo?: PeerInfo;
  serverInfo?: PeerInfo;
  protocolVersion?: string;
  clientCapabilities?: Record<string, unknown>;
  serverCapabilities?: Record<string, unknown>;
  /** Last time a message passed, for idle expiry. */
  lastActivity: number;

  private readonly fromClient = new Map<string, Pending>();
  private readonly fromServer = new Map<string, Pending>();
  private readonly knownTools = new Map<string, KnownTool>();
  private readonly maxText: number;
  private readonly maxPending: number;
  private readonly maxTools: number;
  private readonly now: () => number;

  constructor(opts: McpSessionOptions = {}) {
    this.maxText = opts.maxResultText ?? DEFAULT_MAX_TEXT;
    this.maxPending = opts.maxPending ?? 1024;
    this.maxTools = opts.maxTools ?? 5000;
    this.now = opts.now ?? Date.now;
    this.lastActivity = this.now();
  }

  /** A message (or the members of a batch) the client sent to the server. */
  onClientMessage(msg: JsonRpcMessage | JsonRpcMessage[], at = this.now()): McpFacts[] {
    return this.ingest(msg, 'client-to-server', at);
  }

  /** A message (or the members of a batch) the server sent to the client. */
  onServerMessage(msg: JsonRpcMessage | JsonRpcMessage[], at = this.now()): McpFacts[] {
    return this.ingest(msg, 'server-to-client', at);
  }

  /** Parses raw JSON (a body, an SSE data field, a stdio line) from the client and ingests it. */
  feedClient(raw: string | unknown, at = this.now()): { facts: McpFacts[]; error?: string } {
    const parsed = parseJsonRpc(raw);
    return { facts: this.onClientMessage(parsed.messages, at), ...(parsed.error ? { error: parsed.error } : {}) };
  }

  feedServer(raw: string | unknown, at = this.now()): { facts: McpFacts[]; error?: string } {
    const parsed = parseJsonRpc(raw);
    return { facts: this.onServerMessage(parsed.messages, at), ...(parsed.error ? { error: parsed.error } : {}) };
  }

  /** A tool this session's server listed, with its hints and pin. */
  tool(name: string): KnownTool | undefined {
    return this.knownTools.get(name);
  }

  tools(): KnownTool[] {
    return [...this.knownTools.values()];
  }

  /** Requests still waiting for an answer (both directions). */
  get pendingCount(): number {
    return this.fromClient.size + this.fromServer.size;
  }

  private ingest(msg: JsonRpcMessage | JsonRpcMessage[], direction: McpDirection, at: number): McpFacts[] {
    this.lastActivity = at;
    const list = Array.isArray(msg) ? msg : [msg];
    return list.map((m) => this.one(m, direction, at));
  }

  private one(m: JsonRpcMessage, direction: McpDirection, at: number): McpFacts {
    // A request waits in the sender's map; its answer comes from the other side.
    const mine = direction === 'client-to-server' ? this.fromClient : this.fromServer;
    const theirs = direction === 'client-to-server' ? this.fromServer : this.fromClient;

    if (isRequest(m)) {
      mine.set(idKey(m.id), { method: m.method, at, params: m.params });
      if (mine.size > this.maxPending) mine.delete(mine.keys().next().value as string);
      return { direction, type: 'request', method: m.method, id: m.id, kind: mcpKindOf(m.method), at, ...this.requestFacts(m.method, m.params) };
    }

    if (isNotification(m)) {
      const facts: McpFacts = { direction, type: 'notification', method: m.method, kind: 'mcp.message', at };
      const listChanged = LIST_CHANGED[m.method];
      if (listChanged) facts.listChanged = listChanged;
      if (m.method === 'notifications/cancelled') {
        const id = (m.params as Record<string, unknown> | undefined)?.requestId;
        if (typeof id === 'string' || typeof id === 'number') {
          facts.cancelledId = id;
          mine.delete(idKey(id));
        }
      }
      return facts;
    }

    // A response: match it to the request the other side is waiting on.
    const key = m.id === null ? undefined : idKey(m.id);
    const req = key === undefined ? undefined : theirs.get(key);
    if (key !== undefined) theirs.delete(key);
    const facts: McpFacts = {
      direction,
      type: isErrorResponse(m) ? 'error' : 'response',
      id: m.id,
      kind: mcpKindOf(req?.method),
      at,
      matched: req !== undefined,
    };
    if (req) {
      facts.method = req.method;
      facts.latencyMs = Math.max(0, at - req.at);
      Object.assign(facts, this.requestFacts(req.method, req.params));
    }
    if (isErrorResponse(m)) {
      facts.error = m.error;
      if (facts.toolCall) facts.toolCall.result = { text: '', truncated: false, types: [], isError: true };
    } else if (req) {
      this.resultFacts(facts, req, m.result);
    }
    return facts;
  }

  /** Facts readable from a request's params (also attached to its response). */
  private requestFacts(method: string, params: unknown): Partial<McpFacts> {
    const p = (params && typeof params === 'object' ? params : {}) as Record<string, unknown>;
    switch (method) {
      case 'initialize': {
        const init: InitializeFacts = {};
        const client = peer(p.clientInfo);
        if (client) init.client = client;
        if (typeof p.protocolVersion === 'string') init.protocolVersion = p.protocolVersion;
        if (isRecord(p.capabilities)) init.clientCapabilities = p.capabilities;
        // The request is what the client says it is: remember it for the session.
        if (client) this.clientInfo = client;
        if (init.clientCapabilities) this.clientCapabilities = init.clientCapabilities;
        return { initialize: init };
      }
      case 'tools/call':
        return { toolCall: { name: typeof p.name === 'string' ? p.name : '', arguments: p.arguments ?? {} } };
      case 'resources/read':
        return { resource: { uri: typeof p.uri === 'string' ? p.uri : '' } };
      case 'prompts/get':
        return { prompt: { name: typeof p.name === 'string' ? p.name : '', ...(p.arguments === undefined ? {} : { arguments: p.arguments }) } };
      default:
        return {};
    }
  }

  private resultFacts(facts: McpFacts, req: Pending, result: unknown): void {
    const r = (result && typeof result === 'object' ? result : {}) as Record<string, unknown>;
    switch (req.method) {
      case 'initialize': {
        const init = facts.initialize ?? {};
        const server = peer(r.serverInfo);
        if (server) init.server = server;
        if (typeof r.protocolVersion === 'string') init.protocolVersion = r.protocolVersion;
        if (isRecord(r.capabilities)) init.serverCapabilities = r.capabilities;
        if (typeof r.instructions === 'string') init.instructions = r.instructions.slice(0, this.maxText);
        facts.initialize = init;
        if (server) this.serverInfo = server;
        if (init.protocolVersion) this.protocolVersion = init.protocolVersion;
        if (init.serverCapabilities) this.serverCapabilities = init.serverCapabilities;
        break;
      }
      case 'tools/list': {
        const tools: KnownTool[] = [];
        for (const t of Array.isArray(r.tools) ? r.tools : []) {
          const tool = readTool(t);
          if (tool) tools.push({ ...tool, pin: toolPin(tool) });
        }
        facts.tools = tools;
        if (typeof r.nextCursor === 'string') facts.nextCursor = r.nextCursor;
        // A first page (no cursor asked) is a fresh list: tools it lacks were removed.
        const firstPage = !(isRecord(req.params) && typeof req.params.cursor === 'string');
        if (firstPage) this.knownTools.clear();
        for (const t of tools) {
          if (this.knownTools.size >= this.maxTools && !this.knownTools.has(t.name)) break;
          this.knownTools.set(t.name, t);
        }
        break;
      }
      case 'tools/call': {
        let content = joinContent(r.content, this.maxText);
        if (content.text === '' && r.structuredContent !== undefined) {
          const json = JSON.stringify(r.structuredContent) ?? '';
          content = { text: json.slice(0, this.maxText), truncated: json.length > this.maxText, types: [...content.types, 'structured'] };
        }
        if (facts.toolCall) facts.toolCall.result = { ...content, isError: r.isError === true };
        break;
      }
      case 'resources/read':
        if (facts.resource) facts.resource.result = joinResourceContents(r.contents, this.maxText);
        break;
      case 'prompts/get':
        if (facts.prompt) facts.prompt.result = joinPromptMessages(r.messages, this.maxText);
        break;
      default:
        break;
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function peer(v: unknown): PeerInfo | undefined {
  if (!isRecord(v)) return undefined;
  const out: PeerInfo = {};
  if (typeof v.name === 'string') out.name = v.name.slice(0, 200);
  if (typeof v.version === 'string') out.version = v.version.slice(0, 100);
  if (typeof v.title === 'string') out.title = v.title.slice(0, 200);
  return out;
}
