/**
 * OpenAI Chat Completions (`POST …/chat/completions`) and the many OpenAI-compatible
 * servers (Mistral, Groq, DeepSeek, OpenRouter, Azure, Ollama's /v1, vLLM, LM Studio).
 *
 * Streamed tool calls arrive as `delta.tool_calls[{index, id?, function:{name?, arguments}}]`
 * fragments. Quirks handled: Mistral sends whole calls with no `index`; Ollama sends each
 * parallel call whole with `index: 0` every time, so a new `id` at a used index is a new call.
 */
import { contentText, outputText } from './content-text.js';
import { arr, isObj, mergeUsage, num, obj, str, SummaryState, type FormatHandler, type Obj } from './format-handler.js';
import { requestFactsOf, toolResultOf } from './request-facts.js';
import { createFramedResponseParser } from './response-parser.js';
import type { LlmParser, LlmRequestFacts, LlmStreamEvent, LlmUsage } from './types.js';

export function parseChatRequest(body: unknown): LlmRequestFacts {
  const b = obj(body);
  const facts = requestFactsOf(b);
  for (const t of arr(b.tools)) {
    const tool = obj(t);
    const name = str(obj(tool.function).name) ?? str(obj(tool.custom).name) ?? str(tool.name) ?? str(tool.type);
    if (name) facts.toolsOffered.push(name);
  }
  for (const f of arr(b.functions)) {
    const name = str(obj(f).name);
    if (name) facts.toolsOffered.push(name);
  }
  const messages = arr(b.messages);
  facts.messageCount = messages.length;
  const callNames = new Map<string, string>();
  const system: string[] = [];
  for (const m of messages) {
    const msg = obj(m);
    const role = str(msg.role);
    if (role === 'assistant') {
      for (const tc of arr(msg.tool_calls)) {
        const id = str(obj(tc).id);
        const name = str(obj(obj(tc).function).name);
        if (id && name) callNames.set(id, name);
      }
      continue;
    }
    const text = role === 'tool' || role === 'function' ? outputText(msg.content) : contentText(msg.content);
    if (role === 'tool' || role === 'function') {
      facts.toolResults.push(toolResultOf(text, { callId: str(msg.tool_call_id), name: str(msg.name), callNames }));
    } else if ((role === 'system' || role === 'developer') && text !== '') {
      system.push(text);
    }
    if (text !== '') facts.texts.push(text);
  }
  if (system.length > 0) facts.system = system.join('\n');
  return facts;
}

export function chatUsage(u: Obj): LlmUsage {
  const prompt = num(u.prompt_tokens);
  // OpenAI counts cached tokens inside prompt_tokens; DeepSeek reports hits and misses.
  const cached = num(obj(u.prompt_tokens_details).cached_tokens) ?? num(u.prompt_cache_hit_tokens);
  const usage: LlmUsage = {
    inputTokens: prompt !== undefined ? prompt - (cached ?? 0) : undefined,
    outputTokens: num(u.completion_tokens),
    cacheReadTokens: cached,
    reasoningTokens: num(obj(u.completion_tokens_details).reasoning_tokens),
  };
  return usage;
}

function errorOf(e: unknown): { message: string; type?: string } {
  if (typeof e === 'string') return { message: e };
  const o = obj(e);
  const type = str(o.type) ?? (o.code !== undefined && o.code !== null ? String(o.code) : undefined);
  return { message: str(o.message) ?? JSON.stringify(e), type };
}

class ChatHandler implements FormatHandler {
  readonly state = new SummaryState();
  private finished = false;
  private sawDone = false;
  /** Per choice, the key of the call that argument fragments without an index belong to. */
  private lastKey = new Map<number, string>();
  /** Per choice and index, the key of the call now open there (Ollama reuses indexes). */
  private current = new Map<string, string>();
  private counter = 0;

  onStreamMessage(data: unknown, _event: string | undefined, out: LlmStreamEvent[]): void {
    const chunk = obj(data);
    if (chunk.error !== undefined && chunk.error !== null) {
      const e = errorOf(chunk.error);
      this.state.setError(e.message, e.type, out);
      return;
    }
    // Azure opens with a prompt_filter_results chunk whose model and id are empty strings.
    this.state.model ??= str(chunk.model) || undefined;
    this.state.responseId ??= str(chunk.id) || undefined;
    const usage = isObj(chunk.usage) ? chunk.usage : isObj(obj(chunk.x_groq).usage) ? obj(chunk.x_groq).usage : undefined;
    if (isObj(usage)) mergeUsage(this.state.usage, chatUsage(usage));
    for (const c of arr(chunk.choices)) {
      const choice = obj(c);
      const ci = num(choice.index) ?? 0;
      const delta = obj(choice.delta);
      this.state.text(delta.reasoning_content ?? delta.reasoning, out, true);
      this.state.text(delta.content, out);
      for (const t of arr(delta.tool_calls)) this.onToolDelta(ci, obj(t), out);
      if (isObj(delta.function_call)) this.onToolDelta(ci, { index: 0, function: delta.function_call }, out);
      const finish = str(choice.finish_reason);
      if (finish) {
        this.state.stopReason = finish;
        this.finished = true;
        this.state.calls.finishAll(out, `${ci}:`);
      }
    }
  }

  private onToolDelta(ci: number, tc: Obj, out: LlmStreamEvent[]): void {
    const fn = obj(tc.function);
    const id = str(tc.id) || undefined;
    const name = str(fn.name);
    const args = typeof fn.arguments === 'string' ? fn.arguments : fn.arguments !== undefined ? JSON.stringify(fn.arguments) : '';
    const calls = this.state.calls;
    const index = num(tc.index);
    let key: string;
    if (index !== undefined) {
      const base = `${ci}:${index}`;
      key = this.current.get(base) ?? base;
      const open = calls.get(key);
      if (open && id !== undefined && open.id !== undefined && open.id !== id) {
        // Ollama: a second whole call at the same index. Close the first, open a new one.
        calls.finish(key, out);
        key = `${base}#${++this.counter}`;
      }
      this.current.set(base, key);
    } else {
      // Mistral: no index. A new id starts a call; fragments without id extend the last one.
      const last = this.lastKey.get(ci);
      const lastOpen = last !== undefined ? calls.get(last) : undefined;
      key = lastOpen && (id === undefined || lastOpen.id === id) ? last! : `${ci}:#${++this.counter}`;
    }
    this.lastKey.set(ci, key);
    if (!calls.has(key)) {
      calls.start(key, { id, name: name ?? '', args }, out);
    } else {
      if (name) calls.setName(key, name);
      if (args) calls.appendArgs(key, args);
    }
  }

  onDoneSentinel(out: LlmStreamEvent[]): void {
    this.sawDone = true;
    this.state.calls.finishAll(out);
    out.push({ type: 'done' });
  }

  onBody(data: unknown, out: LlmStreamEvent[]): void {
    const body = obj(data);
    if (body.error !== undefined && body.error !== null) {
      const e = errorOf(body.error);
      this.state.setError(e.message, e.type, out);
      this.finished = true;
      return;
    }
    this.state.model = str(body.model);
    this.state.responseId = str(body.id);
    if (isObj(body.usage)) mergeUsage(this.state.usage, chatUsage(body.usage));
    for (const c of arr(body.choices)) {
      const choice = obj(c);
      const ci = num(choice.index) ?? 0;
      const msg = obj(choice.message);
      this.state.text(msg.reasoning_content ?? msg.reasoning, out, true);
      this.state.text(contentText(msg.content), out);
      const toolCalls = arr(msg.tool_calls);
      toolCalls.forEach((t, i) => {
        const tc = obj(t);
        const fn = obj(tc.function);
        const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
        this.state.calls.whole(`${ci}:${i}`, { id: str(tc.id), name: str(fn.name) ?? '', args }, out);
      });
      if (isObj(msg.function_call)) {
        const fn = msg.function_call;
        this.state.calls.whole(`${ci}:fn`, { name: str(fn.name) ?? '', args: str(fn.arguments) ?? '' }, out);
      }
      const finish = str(choice.finish_reason);
      if (finish) this.state.stopReason = finish;
    }
    this.finished = arr(body.choices).length > 0;
    this.sawDone = true;
    out.push({ type: 'done' });
  }

  finish(out: LlmStreamEvent[]): void {
    // Some compatible servers end after finish_reason without [DONE]: that is a whole answer.
    if (this.finished && !this.sawDone && this.state.calls.all().every((c) => !c.incomplete)) {
      this.sawDone = true;
      out.push({ type: 'done' });
    }
  }

  complete(): boolean {
    return this.sawDone || this.finished;
  }
}

export const openaiChatParser: LlmParser = {
  api: 'openai-chat',
  parseRequest: parseChatRequest,
  createResponseParser: (opts) => createFramedResponseParser(new ChatHandler(), opts),
};
