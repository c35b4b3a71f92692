/**
 * Anthropic Messages (`POST /v1/messages`), also as relayed by Vertex (`:streamRawPredict`)
 * and Bedrock's invoke API (same JSON).
 *
 * Stream: message_start (model, input and cache usage) → content_block_start (tool_use
 * id + name) → content_block_delta (text_delta, input_json_delta) → content_block_stop →
 * message_delta (stop_reason; usage is cumulative, so the last one wins) → message_stop.
 * `ping` may come anywhere; `error` (e.g. overloaded_error) may end the stream early.
 */
import { contentText, outputText } from './content-text.js';
import { arr, EndMarkedHandler, isObj, mergeUsage, num, obj, str, usageFromFields, type Obj } from './format-handler.js';
import { addToolResult, requestFactsOf, toolResultOf } from './request-facts.js';
import { createFramedResponseParser } from './response-parser.js';
import type { LlmParser, LlmRequestFacts, LlmStreamEvent, LlmUsage } from './types.js';

export function parseAnthropicRequest(body: unknown): LlmRequestFacts {
  const b = obj(body);
  const facts = requestFactsOf(b);
  for (const t of arr(b.tools)) {
    const name = str(obj(t).name) ?? str(obj(t).type);
    if (name) facts.toolsOffered.push(name);
  }
  const system = contentText(b.system);
  if (system !== '') {
    facts.system = system;
    facts.texts.push(system);
  }
  const messages = arr(b.messages);
  facts.messageCount = messages.length;
  const callNames = new Map<string, string>();
  for (const m of messages) {
    const msg = obj(m);
    if (msg.role === 'assistant') {
      for (const block of arr(msg.content)) {
        const bl = obj(block);
        if (bl.type === 'tool_use' && typeof bl.id === 'string' && typeof bl.name === 'string') callNames.set(bl.id, bl.name);
      }
      continue;
    }
    if (typeof msg.content === 'string') {
      if (msg.content !== '') facts.texts.push(msg.content);
      continue;
    }
    for (const block of arr(msg.content)) {
      const bl = obj(block);
      if (bl.type === 'tool_result') {
        addToolResult(facts, toolResultOf(outputText(bl.content), { callId: str(bl.tool_use_id), callNames }));
      } else if (bl.type === 'text' || bl.type === undefined) {
        const t = contentText(bl);
        if (t !== '') facts.texts.push(t);
      }
    }
  }
  return facts;
}

export function anthropicUsage(u: Obj): LlmUsage {
  return usageFromFields(u, {
    inputTokens: 'input_tokens',
    outputTokens: 'output_tokens',
    cacheReadTokens: 'cache_read_input_tokens',
    cacheWriteTokens: 'cache_creation_input_tokens',
  });
}

class AnthropicHandler extends EndMarkedHandler {
  onStreamMessage(data: unknown, sseEvent: string | undefined, out: LlmStreamEvent[]): void {
    const ev = obj(data);
    const type = str(ev.type) ?? sseEvent;
    const calls = this.state.calls;
    switch (type) {
      case 'message_start': {
        const msg = obj(ev.message);
        this.state.model ??= str(msg.model);
        this.state.responseId ??= str(msg.id);
        if (isObj(msg.usage)) mergeUsage(this.state.usage, anthropicUsage(msg.usage));
        return;
      }
      case 'content_block_start': {
        const block = obj(ev.content_block);
        const key = String(num(ev.index) ?? 0);
        if (block.type === 'tool_use') {
          const input = block.input !== undefined ? JSON.stringify(block.input) : '{}';
          calls.start(key, { id: str(block.id), name: str(block.name) ?? '', fallbackArgs: input }, out);
        } else if (block.type === 'text') {
          this.state.text(block.text, out);
        }
        return;
      }
      case 'content_block_delta': {
        const delta = obj(ev.delta);
        const key = String(num(ev.index) ?? 0);
        if (delta.type === 'text_delta') this.state.text(delta.text, out);
        else if (delta.type === 'input_json_delta') calls.appendArgs(key, str(delta.partial_json) ?? '');
        else if (delta.type === 'thinking_delta') this.state.text(delta.thinking, out, true);
        return;
      }
      case 'content_block_stop':
        calls.finish(String(num(ev.index) ?? 0), out);
        return;
      case 'message_delta': {
        const stop = str(obj(ev.delta).stop_reason);
        if (stop) this.state.stopReason = stop;
        if (isObj(ev.usage)) mergeUsage(this.state.usage, anthropicUsage(ev.usage));
        return;
      }
      case 'message_stop':
        this.ended = true;
        calls.finishAll(out);
        out.push({ type: 'done' });
        return;
      case 'error': {
        const err = obj(ev.error);
        this.state.setError(str(err.message) ?? 'error event', str(err.type), out);
        return;
      }
      default:
        return; // ping and future event types carry nothing we track
    }
  }

  onBody(data: unknown, out: LlmStreamEvent[]): void {
    const body = obj(data);
    if (body.type === 'error' || isObj(body.error)) {
      const err = obj(body.error);
      this.state.setError(str(err.message) ?? 'error', str(err.type), out);
      this.ended = true;
      return;
    }
    this.state.model = str(body.model);
    this.state.responseId = str(body.id);
    if (isObj(body.usage)) mergeUsage(this.state.usage, anthropicUsage(body.usage));
    arr(body.content).forEach((b, i) => {
      const block = obj(b);
      if (block.type === 'text') this.state.text(block.text, out);
      else if (block.type === 'thinking') this.state.text(block.thinking, out, true);
      else if (block.type === 'tool_use') {
        this.state.calls.whole(String(i), { id: str(block.id), name: str(block.name) ?? '', args: JSON.stringify(block.input ?? {}) }, out);
      }
    });
    this.state.stopReason = str(body.stop_reason);
    this.ended = body.type === 'message';
    out.push({ type: 'done' });
  }
}

export const anthropicMessagesParser: LlmParser = {
  api: 'anthropic-messages',
  parseRequest: parseAnthropicRequest,
  createResponseParser: (opts) => createFramedResponseParser(new AnthropicHandler(), opts),
};
