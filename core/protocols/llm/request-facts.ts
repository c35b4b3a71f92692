import { str, type Obj } from './format-handler.js';
import type { LlmRequestFacts, LlmToolResult } from './types.js';

/**
 * The request-side pieces the parsers share (tool calls are in tool-calls.ts). Formats
 * that state `stream` and `model` in the body start from `requestFactsOf`; those that put
 * them in the URL (Gemini, Bedrock) leave them to classify().
 */
export function requestFactsOf(body: Obj): LlmRequestFacts {
  const facts: LlmRequestFacts = { stream: body.stream === true, toolsOffered: [], messageCount: 0, texts: [], toolResults: [] };
  const model = str(body.model);
  if (model !== undefined) facts.model = model;
  return facts;
}

/**
 * A tool result the client sends back, named by the format itself (`name`) or else after
 * the call it answers (`callNames`: call id → tool name, read from the assistant turns
 * earlier in the same request).
 */
export function toolResultOf(text: string, of: { callId?: string; name?: string; callNames?: ReadonlyMap<string, string> }): LlmToolResult {
  const r: LlmToolResult = { text };
  if (of.callId !== undefined) r.toolCallId = of.callId;
  const name = of.name ?? (of.callId !== undefined ? of.callNames?.get(of.callId) : undefined);
  if (name !== undefined) r.name = name;
  return r;
}

/** Records a tool result; its text is outbound text to scan like any message. */
export function addToolResult(facts: LlmRequestFacts, r: LlmToolResult): void {
  facts.toolResults.push(r);
  if (r.text !== '') facts.texts.push(r.text);
}
