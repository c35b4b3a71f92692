import { argumentsKey } from './arguments.js';
import { toolNameMatches } from './tool-names.js';

/**
 * Ties a model's tool request (seen in an LLM response) to the MCP tools/call that carried
 * it out: same client, matching tool name (prefixes allowed), equal normalised arguments,
 * within a time window. Memory is bounded: a few hundred recent calls per client, a
 * capped number of clients, and nothing older than the window.
 */

export interface LlmToolCallNote {
  client: string;
  /** Audit event id of the llm.tool_use (or llm.request) event. */
  eventId: string;
  name: string;
  arguments: unknown;
  /** ms since epoch the model asked for it. */
  at: number;
}

export interface McpCallToLink {
  client: string;
  name: string;
  arguments: unknown;
  at: number;
  /** The MCP server's name or host; narrows prefixed names when known. */
  server?: string;
}

export interface TimelineLinkerOptions {
  /** How long after the model asked an MCP call may still be its execution (default 10 min: humans approve slowly). */
  windowMs?: number;
  maxPerClient?: number;
  maxClients?: number;
}

interface Pending {
  eventId: string;
  name: string;
  argsKey: string;
  at: number;
}

export class TimelineLinker {
  private readonly byClient = new Map<string, Pending[]>();
  private readonly windowMs: number;
  private readonly maxPerClient: number;
  private readonly maxClients: number;

  constructor(opts: TimelineLinkerOptions = {}) {
    this.windowMs = opts.windowMs ?? 10 * 60_000;
    this.maxPerClient = opts.maxPerClient ?? 256;
    this.maxClients = opts.maxClients ?? 64;
  }

  noteLlmToolCall(note: LlmToolCallNote): void {
    let list = this.byClient.get(note.client);
    if (list) this.byClient.delete(note.client);
    else list = [];
    // Re-inserting keeps Map order = recency, so the least recently active client goes first.
    this.byClient.set(note.client, list);
    list.push({ eventId: note.eventId, name: note.name, argsKey: argumentsKey(note.arguments), at: note.at });
    if (list.length > this.maxPerClient) list.splice(0, list.length - this.maxPerClient);
    while (this.byClient.size > this.maxClients) this.byClient.delete(this.byClient.keys().next().value as string);
  }

  /**
   * The event id of the model's request this MCP call carries out, if any. A request is
   * linked once: the oldest unlinked match wins (a model asking twice gets two links).
   */
  linkMcpCall(call: McpCallToLink): string | undefined {
    const list = this.byClient.get(call.client);
    if (!list) return undefined;
    this.prune(list, call.at);
    const key = argumentsKey(call.arguments);
    const candidate = (p: Pending) => p.argsKey === key && p.at <= call.at + 1000;
    // Prefer a prefix naming this server; but an HTTP server's identity (host/path) often
    // differs from the name the user gave it in the client's config, so fall back to any prefix.
    let i = call.server ? list.findIndex((p) => candidate(p) && toolNameMatches(p.name, call.name, call.server)) : -1;
    if (i === -1) i = list.findIndex((p) => candidate(p) && toolNameMatches(p.name, call.name));
    if (i === -1) return undefined;
    const [hit] = list.splice(i, 1);
    return hit.eventId;
  }

  /** Number of remembered, not yet linked model tool calls (all clients). */
  get size(): number {
    let n = 0;
    for (const l of this.byClient.values()) n += l.length;
    return n;
  }

  private prune(list: Pending[], now: number): void {
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < list.length && list[drop].at < cutoff) drop++;
    if (drop) list.splice(0, drop);
  }
}
