/**
 * OpenAI Responses API (`POST …/responses`).
 *
 * Stream: response.created → response.output_item.added (item.type function_call: name,
 * call_id) → response.function_call_arguments.delta / .done → response.output_item.done →
 * response.completed (usage). It ends with response.completed, .incomplete or .failed;
 * there is no `[DONE]`. Tool calls are told apart by output_index.
 */
import { contentText, outputText } from './content-text.js';
import { arr, EndMarkedHandler, isObj, mergeUsage, num, obj, str, type Obj } from './format-handler.js';
import { addToolResult, requestFactsOf, toolResultOf } from './request-facts.js';
import { createFramedResponseParser } from './response-parser.js';
import type { LlmParser, LlmRequestFacts, LlmStreamEvent, LlmUsage } from './types.js';

const TOOL_ITEMS = new Set(['function_call', 'custom_tool_call']);

export function parseResponsesRequest(body: unknown): LlmRequestFacts {
  const b = obj(body);
  const facts = requestFactsOf(b);
  for (const t of arr(b.tools)) {
    const tool = obj(t);
    // Built-in tools have only a type; remote MCP tools are named by their server label.
    const name = tool.type === 'mcp' ? `mcp:${str(tool.server_label) ?? ''}` : (str(tool.name) ?? str(tool.type));
    if (name) facts.toolsOffered.push(name);
  }
  const instructions = str(b.instructions);
  const system: string[] = instructions ? [instructions] : [];
  if (instructions) facts.texts.push(instructions);
  if (typeof b.input === 'string') {
    facts.messageCount = 1;
    if (b.input !== '') facts.texts.push(b.input);
  } else {
    const items = arr(b.input);
    facts.messageCount = items.length;
    const callNames = new Map<string, string>();
    for (const it of items) {
      const item = obj(it);
      const type = str(item.type) ?? 'message';
      if (TOOL_ITEMS.has(type)) {
        const id = str(item.call_id);
        const name = str(item.name);
        if (id && name) callNames.set(id, name);
      } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
        addToolResult(facts, toolResultOf(outputText(item.output), { callId: str(item.call_id), callNames }));
      } else if (type === 'message' && item.role !== 'assistant') {
        const text = contentText(item.content);
        if (text === '') continue;
        facts.texts.push(text);
        if (item.role === 'system' || item.role === 'developer') system.push(text);
      }
    }
  }
  if (system.length > 0) facts.system = system.join('\n');
  return facts;
}

export function responsesUsage(u: Obj): LlmUsage {
  const input = num(u.input_tokens);
  const cached = num(obj(u.input_tokens_details).cached_tokens);
  return {
    inputTokens: input !== undefined ? input - (cached ?? 0) : undefined,
    outputTokens: num(u.output_tokens),
    cacheReadTokens: cached,
    reasoningTokens: num(obj(u.output_tokens_details).reasoning_tokens),
  };
}

class ResponsesHandler extends EndMarkedHandler {
  onStreamMessage(data: unknown, sseEvent: string | undefined, out: LlmStreamEvent[]): void {
    const ev = obj(data);
    const type = str(ev.type) ?? sseEvent;
    const calls = this.state.calls;
    const key = String(num(ev.output_index) ?? str(ev.item_id) ?? 0);
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        this.noteResponse(obj(ev.response));
        return;
      case 'response.output_item.added': {
        const item = obj(ev.item);
        if (TOOL_ITEMS.has(str(item.type) ?? '')) {
          calls.start(key, { id: str(item.call_id) ?? str(item.id), name: str(item.name) ?? '', args: str(item.arguments) ?? str(item.input) ?? '' }, out);
        }
        return;
      }
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
        calls.appendArgs(key, str(ev.delta) ?? '');
        return;
      case 'response.function_call_arguments.done':
        if (typeof ev.arguments === 'string') calls.setArgs(key, ev.arguments);
        return;
      case 'response.custom_tool_call_input.done':
        if (typeof ev.input === 'string') calls.setArgs(key, ev.input);
        return;
      case 'response.output_item.done': {
        const item = obj(ev.item);
        if (!TOOL_ITEMS.has(str(item.type) ?? '')) return;
        if (!calls.has(key)) {
          // The item was never announced (a relay that drops events): take it whole.
          calls.start(key, { id: str(item.call_id) ?? str(item.id), name: str(item.name) ?? '' }, out);
        }
        const args = str(item.arguments) ?? str(item.input);
        if (args !== undefined) calls.setArgs(key, args);
        calls.finish(key, out);
        return;
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        this.state.text(ev.delta, out);
        return;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        this.state.text(ev.delta, out, true);
        return;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.end(obj(ev.response), out);
        return;
      case 'error': {
        const e = isObj(ev.error) ? ev.error : ev;
        const code = e.code !== undefined && e.code !== null ? String(e.code) : str(e.type);
        this.state.setError(str(e.message) ?? 'error event', code === 'error' ? undefined : code, out);
        return;
      }
      default:
        return;
    }
  }

  private noteResponse(r: Obj): void {
    this.state.model ??= str(r.model);
    this.state.responseId ??= str(r.id);
  }

  /** A final response object: usage, status, error; the stream is over. */
  private end(r: Obj, out: LlmStreamEvent[]): void {
    this.noteResponse(r);
    if (isObj(r.usage)) mergeUsage(this.state.usage, responsesUsage(r.usage));
    const status = str(r.status);
    this.state.stopReason = str(obj(r.incomplete_details).reason) ?? status;
    if (isObj(r.error)) this.state.setError(str(r.error.message) ?? 'response failed', str(r.error.code), out);
    this.state.calls.finishAll(out);
    this.ended = true;
    out.push({ type: 'done' });
  }

  onBody(data: unknown, out: LlmStreamEvent[]): void {
    const body = obj(data);
    if (isObj(body.error) && body.object !== 'response') {
      this.state.setError(str(body.error.message) ?? 'error', str(body.error.type) ?? str(body.error.code), out);
      this.ended = true;
      return;
    }
    arr(body.output).forEach((it, i) => {
      const item = obj(it);
      const type = str(item.type) ?? '';
      if (TOOL_ITEMS.has(type)) {
        this.state.calls.whole(String(i), { id: str(item.call_id) ?? str(item.id), name: str(item.name) ?? '', args: str(item.arguments) ?? str(item.input) ?? '' }, out);
      } else if (type === 'message') {
        for (const c of arr(item.content)) {
          const part = obj(c);
          this.state.text(part.type === 'refusal' ? part.refusal : part.text, out);
        }
      } else if (type === 'reasoning') {
        for (const s of arr(item.summary)) this.state.text(obj(s).text, out, true);
      }
    });
    this.end(body, out);
  }
}

export const openaiResponsesParser: LlmParser = {
  api: 'openai-responses',
  parseRequest: parseResponsesRequest,
  createResponseParser: (opts) => createFramedResponseParser(new ResponsesHandler(), opts),
};
