/**
 * Google Gemini (`…/models/<model>:generateContent` and `:streamGenerateContent`), on the
 * Gemini API and on Vertex AI. The streamed form is either SSE (`?alt=sse`) or a JSON
 * array whose elements arrive one by one; every element, SSE event and whole body has the
 * same GenerateContentResponse shape. Function calls come whole in one part.
 *
 * The model is in the URL, not the body: classify() reports it.
 */
import { outputText } from './content-text.js';
import { arr, EndMarkedHandler, isObj, num, obj, str, type Obj } from './format-handler.js';
import { addToolResult, toolResultOf } from './request-facts.js';
import { createFramedResponseParser } from './response-parser.js';
import type { LlmParser, LlmRequestFacts, LlmStreamEvent, LlmUsage } from './types.js';

const partsText = (content: unknown): string =>
  arr(obj(content).parts)
    .map((p) => str(obj(p).text) ?? '')
    .filter((t) => t !== '')
    .join('\n');

export function parseGeminiRequest(body: unknown): LlmRequestFacts {
  const b = obj(body);
  const facts: LlmRequestFacts = { stream: false, toolsOffered: [], messageCount: 0, texts: [], toolResults: [] };
  for (const t of arr(b.tools)) {
    const tool = obj(t);
    const decls = arr(tool.functionDeclarations ?? tool.function_declarations);
    for (const d of decls) {
      const name = str(obj(d).name);
      if (name) facts.toolsOffered.push(name);
    }
    // Built-in tools (googleSearch, codeExecution, urlContext…) by their key.
    for (const k of Object.keys(tool)) if (k !== 'functionDeclarations' && k !== 'function_declarations') facts.toolsOffered.push(k);
  }
  const system = partsText(b.systemInstruction ?? b.system_instruction);
  if (system !== '') {
    facts.system = system;
    facts.texts.push(system);
  }
  const contents = arr(b.contents);
  facts.messageCount = contents.length;
  for (const c of contents) {
    const content = obj(c);
    if (content.role === 'model') continue;
    for (const p of arr(content.parts)) {
      const part = obj(p);
      const text = str(part.text);
      if (text) facts.texts.push(text);
      const fr = obj(part.functionResponse ?? part.function_response);
      if (isObj(part.functionResponse ?? part.function_response)) {
        addToolResult(facts, toolResultOf(outputText(fr.response), { callId: str(fr.id), name: str(fr.name) }));
      }
    }
  }
  return facts;
}

export function geminiUsage(u: Obj): LlmUsage {
  const prompt = num(u.promptTokenCount);
  const cached = num(u.cachedContentTokenCount);
  const toolPrompt = num(u.toolUsePromptTokenCount) ?? 0;
  const candidates = num(u.candidatesTokenCount);
  const thoughts = num(u.thoughtsTokenCount);
  return {
    inputTokens: prompt !== undefined ? prompt - (cached ?? 0) + toolPrompt : undefined,
    // Thinking tokens are billed as output but not counted in candidatesTokenCount.
    outputTokens: candidates !== undefined || thoughts !== undefined ? (candidates ?? 0) + (thoughts ?? 0) : undefined,
    cacheReadTokens: cached,
    reasoningTokens: thoughts,
  };
}

class GeminiHandler extends EndMarkedHandler {
  private doneSent = false;

  onStreamMessage(data: unknown, _event: string | undefined, out: LlmStreamEvent[]): void {
    this.onChunk(data, out);
  }

  private onChunk(data: unknown, out: LlmStreamEvent[]): void {
    const chunk = obj(data);
    if (isObj(chunk.error)) {
      this.state.setError(str(chunk.error.message) ?? 'error', str(chunk.error.status), out);
      return;
    }
    const model = str(chunk.modelVersion);
    if (model) this.state.model = model;
    this.state.responseId ??= str(chunk.responseId);
    // usageMetadata is cumulative in every chunk: the latest is the whole count.
    if (isObj(chunk.usageMetadata)) this.state.usage = dropUndefined(geminiUsage(chunk.usageMetadata));
    const block = str(obj(chunk.promptFeedback).blockReason);
    if (block) {
      this.state.stopReason = block;
      this.ended = true;
    }
    const calls = this.state.calls;
    let finishedNow = false;
    for (const c of arr(chunk.candidates)) {
      const cand = obj(c);
      for (const p of arr(obj(cand.content).parts)) {
        const part = obj(p);
        if (typeof part.text === 'string') this.state.text(part.text, out, part.thought === true);
        const fc = part.functionCall;
        if (isObj(fc)) {
          calls.whole(`c${calls.done.length}`, { id: str(fc.id), name: str(fc.name) ?? '', args: JSON.stringify(fc.args ?? {}) }, out);
        }
      }
      const reason = str(cand.finishReason);
      if (reason && reason !== 'FINISH_REASON_UNSPECIFIED') {
        this.state.stopReason = reason;
        finishedNow = true;
      }
    }
    if (finishedNow) this.ended = true;
    if (this.ended && !this.doneSent) {
      this.doneSent = true;
      out.push({ type: 'done' });
    }
  }

  onBody(data: unknown, out: LlmStreamEvent[]): void {
    // A JSON array body (a non-incremental read of a stream) or one response.
    if (Array.isArray(data)) for (const d of data) this.onChunk(d, out);
    else this.onChunk(data, out);
    if (isObj(data) && isObj(data.error)) this.ended = true;
  }
}

function dropUndefined(u: LlmUsage): LlmUsage {
  const out: LlmUsage = {};
  for (const [k, v] of Object.entries(u)) if (v !== undefined) out[k as keyof LlmUsage] = v;
  return out;
}

export const geminiParser: LlmParser = {
  api: 'gemini',
  parseRequest: parseGeminiRequest,
  createResponseParser: (opts) => createFramedResponseParser(new GeminiHandler(), opts),
};
