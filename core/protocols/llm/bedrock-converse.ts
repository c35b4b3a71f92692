/**
 * Amazon Bedrock Converse API (`POST /model/<id>/converse` and `/converse-stream`).
 *
 * The stream is AWS event-stream framed (see aws-eventstream.ts); each message's
 * `:event-type` names it: messageStart, contentBlockStart (toolUse id + name),
 * contentBlockDelta (text, or toolUse.input JSON fragments), contentBlockStop,
 * messageStop (stopReason), metadata (usage). The model is in the URL (classify()).
 */
import { outputText } from './content-text.js';
import { arr, EndMarkedHandler, isObj, mergeUsage, num, obj, str, usageFromFields, type Obj } from './format-handler.js';
import { addToolResult, toolResultOf } from './request-facts.js';
import { createFramedResponseParser } from './response-parser.js';
import type { LlmParser, LlmRequestFacts, LlmStreamEvent, LlmUsage } from './types.js';

const blockText = (blocks: unknown): string =>
  arr(blocks)
    .map((b) => (isObj(b) ? (str(b.text) ?? (b.json !== undefined ? JSON.stringify(b.json) : '')) : ''))
    .filter((t) => t !== '')
    .join('\n');

export function parseConverseRequest(body: unknown): LlmRequestFacts {
  const b = obj(body);
  const facts: LlmRequestFacts = { stream: false, toolsOffered: [], messageCount: 0, texts: [], toolResults: [] };
  for (const t of arr(obj(b.toolConfig).tools)) {
    const name = str(obj(obj(t).toolSpec).name);
    if (name) facts.toolsOffered.push(name);
  }
  const system = blockText(b.system);
  if (system !== '') {
    facts.system = system;
    facts.texts.push(system);
  }
  const messages = arr(b.messages);
  facts.messageCount = messages.length;
  const callNames = new Map<string, string>();
  for (const m of messages) {
    const msg = obj(m);
    for (const c of arr(msg.content)) {
      const block = obj(c);
      if (isObj(block.toolUse)) {
        const id = str(block.toolUse.toolUseId);
        const name = str(block.toolUse.name);
        if (id && name) callNames.set(id, name);
      } else if (isObj(block.toolResult) && msg.role !== 'assistant') {
        addToolResult(facts, toolResultOf(blockText(block.toolResult.content) || outputText(block.toolResult.content), { callId: str(block.toolResult.toolUseId), callNames }));
      } else if (msg.role !== 'assistant' && typeof block.text === 'string' && block.text !== '') {
        facts.texts.push(block.text);
      }
    }
  }
  return facts;
}

export function converseUsage(u: Obj): LlmUsage {
  return usageFromFields(u, {
    inputTokens: 'inputTokens',
    outputTokens: 'outputTokens',
    cacheReadTokens: 'cacheReadInputTokens',
    cacheWriteTokens: 'cacheWriteInputTokens',
  });
}

class ConverseHandler extends EndMarkedHandler {
  onStreamMessage(data: unknown, eventType: string | undefined, out: LlmStreamEvent[]): void {
    const ev = obj(data);
    const calls = this.state.calls;
    const key = String(num(ev.contentBlockIndex) ?? 0);
    switch (eventType) {
      case 'contentBlockStart': {
        const tool = obj(obj(ev.start).toolUse);
        if (isObj(obj(ev.start).toolUse)) calls.start(key, { id: str(tool.toolUseId), name: str(tool.name) ?? '', fallbackArgs: '{}' }, out);
        return;
      }
      case 'contentBlockDelta': {
        const delta = obj(ev.delta);
        if (typeof delta.text === 'string') this.state.text(delta.text, out);
        else if (isObj(delta.toolUse)) calls.appendArgs(key, str(delta.toolUse.input) ?? '');
        else if (isObj(delta.reasoningContent)) this.state.text(delta.reasoningContent.text, out, true);
        return;
      }
      case 'contentBlockStop':
        calls.finish(key, out);
        return;
      case 'messageStop':
        this.state.stopReason = str(ev.stopReason);
        this.ended = true;
        calls.finishAll(out);
        out.push({ type: 'done' });
        return;
      case 'metadata':
        if (isObj(ev.usage)) mergeUsage(this.state.usage, converseUsage(ev.usage));
        return;
      default:
        return; // messageStart and future events carry nothing we track
    }
  }

  onBody(data: unknown, out: LlmStreamEvent[]): void {
    const body = obj(data);
    if (!isObj(body.output)) {
      // Errors are {"message": "..."} with the type in the x-amzn-ErrorType header.
      this.state.setError(str(body.message) ?? str(body.Message) ?? 'error', undefined, out);
      this.ended = true;
      return;
    }
    arr(obj(body.output.message).content).forEach((c, i) => {
      const block = obj(c);
      if (typeof block.text === 'string') this.state.text(block.text, out);
      else if (isObj(block.toolUse)) {
        this.state.calls.whole(String(i), { id: str(block.toolUse.toolUseId), name: str(block.toolUse.name) ?? '', args: JSON.stringify(block.toolUse.input ?? {}) }, out);
      } else if (isObj(block.reasoningContent)) {
        this.state.text(obj(block.reasoningContent.reasoningText).text, out, true);
      }
    });
    if (isObj(body.usage)) mergeUsage(this.state.usage, converseUsage(body.usage));
    this.state.stopReason = str(body.stopReason);
    this.ended = true;
    out.push({ type: 'done' });
  }
}

export const bedrockConverseParser: LlmParser = {
  api: 'bedrock-converse',
  parseRequest: parseConverseRequest,
  createResponseParser: (opts) => createFramedResponseParser(new ConverseHandler(), opts),
};
