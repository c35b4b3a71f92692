import type { LlmStreamEvent, LlmToolCall } from './types.js';

/** Arguments as JSON when they parse, else the raw text (a model can emit broken JSON). */
export function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // not an error: the raw text is the documented fallback
  }
}

interface OpenCall {
  id?: string;
  name: string;
  args: string;
  index: number;
  /** Used when no argument text arrived (Anthropic's `input: {}`). */
  fallbackArgs?: string;
}

/**
 * Assembles tool calls that arrive in pieces, keyed by whatever the format uses to tell
 * them apart (OpenAI: choice + index; Anthropic: content-block index; Responses: output
 * index). Each call gets a response-wide index in the order the calls started.
 */
export class ToolCallAssembler {
  readonly done: LlmToolCall[] = [];
  private readonly open = new Map<string, OpenCall>();
  private nextIndex = 0;

  has(key: string): boolean {
    return this.open.has(key);
  }

  get(key: string): { id?: string; name: string } | undefined {
    return this.open.get(key);
  }

  start(key: string, call: { id?: string; name: string; args?: string; fallbackArgs?: string }, out: LlmStreamEvent[]): void {
    const index = this.nextIndex++;
    this.open.set(key, { id: call.id, name: call.name, args: call.args ?? '', index, fallbackArgs: call.fallbackArgs });
    out.push({ type: 'tool_use.start', index, id: call.id, name: call.name });
  }

  /** A call that arrives whole (a non-streamed body, Gemini, Ollama): started and finished at once. */
  whole(key: string, call: { id?: string; name: string; args: string }, out: LlmStreamEvent[]): void {
    this.start(key, call, out);
    this.finish(key, out);
  }

  appendArgs(key: string, fragment: string): void {
    const call = this.open.get(key);
    if (call) call.args += fragment;
  }

  /** Replaces the arguments with the provider's final, authoritative text. */
  setArgs(key: string, args: string): void {
    const call = this.open.get(key);
    if (call) call.args = args;
  }

  setName(key: string, name: string): void {
    const call = this.open.get(key);
    if (call && !call.name) call.name = name;
  }

  finish(key: string, out: LlmStreamEvent[]): void {
    const call = this.open.get(key);
    if (!call) return;
    this.open.delete(key);
    const done = toCall(call);
    this.done.push(done);
    out.push({ type: 'tool_use.done', call: done });
  }

  /** Finishes the open calls whose key starts with the prefix (all of them by default). */
  finishAll(out: LlmStreamEvent[], prefix = ''): void {
    for (const key of [...this.open.keys()]) if (key.startsWith(prefix)) this.finish(key, out);
  }

  /** Every finished call, then the unfinished ones marked incomplete, in start order. */
  all(): LlmToolCall[] {
    const pending = [...this.open.values()].map((c) => ({ ...toCall(c), incomplete: true as const }));
    return [...this.done, ...pending].sort((a, b) => a.index - b.index);
  }
}

function toCall(c: OpenCall): LlmToolCall {
  const raw = c.args === '' && c.fallbackArgs !== undefined ? c.fallbackArgs : c.args;
  const call: LlmToolCall = { name: c.name, arguments: parseArguments(raw), argumentsRaw: raw, index: c.index };
  if (c.id !== undefined) call.id = c.id;
  return call;
}
