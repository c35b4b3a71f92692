/**
 * Ollama's native chat API (`POST /api/chat`, port 11434). It streams by default, as
 * newline-delimited JSON (application/x-ndjson): one object per line with
 * `message.content` / `message.tool_calls` (arguments as an object, each call whole),
 * ending with a `done: true` line carrying `done_reason` and token counts.
 * Ollama's OpenAI-compatible /v1 endpoints are read by the OpenAI chat parser instead.
 */
import { parseChatRequest } from './openai-chat.js';
import { arr, EndMarkedHandler, num, obj, str } from './format-handler.js';
import { createFramedResponseParser } from './response-parser.js';
import type { LlmParser, LlmRequestFacts, LlmStreamEvent } from './types.js';

export function parseOllamaRequest(body: unknown): LlmRequestFacts {
  const facts = parseChatRequest(body);
  const b = obj(body);
  facts.stream = b.stream !== false; // Ollama streams unless told not to
  // Tool results name their tool with `tool_name` rather than an id.
  let i = 0;
  for (const m of arr(b.messages)) {
    const msg = obj(m);
    if (msg.role !== 'tool') continue;
    const r = facts.toolResults[i++];
    const name = str(msg.tool_name);
    if (r && name && !r.name) r.name = name;
  }
  return facts;
}

class OllamaHandler extends EndMarkedHandler {
  onStreamMessage(data: unknown, _event: string | undefined, out: LlmStreamEvent[]): void {
    const line = obj(data);
    if (line.error !== undefined) {
      this.state.setError(typeof line.error === 'string' ? line.error : JSON.stringify(line.error), undefined, out);
      this.ended = true; // an error line is Ollama's last word
      return;
    }
    this.state.model ??= str(line.model);
    const msg = obj(line.message);
    this.state.text(msg.thinking, out, true);
    this.state.text(msg.content, out);
    for (const t of arr(msg.tool_calls)) {
      const fn = obj(obj(t).function);
      const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
      this.state.calls.whole(`t${this.state.calls.done.length}`, { id: str(obj(t).id), name: str(fn.name) ?? '', args }, out);
    }
    if (line.done === true) {
      this.ended = true;
      this.state.stopReason = str(line.done_reason);
      const input = num(line.prompt_eval_count);
      const output = num(line.eval_count);
      if (input !== undefined) this.state.usage.inputTokens = input;
      if (output !== undefined) this.state.usage.outputTokens = output;
      out.push({ type: 'done' });
    }
  }

  onBody(data: unknown, out: LlmStreamEvent[]): void {
    this.onStreamMessage(data, undefined, out);
  }
}

export const ollamaChatParser: LlmParser = {
  api: 'ollama-chat',
  parseRequest: parseOllamaRequest,
  createResponseParser: (opts) => createFramedResponseParser(new OllamaHandler(), { ...opts, ndjsonWhenStreaming: true }),
};
