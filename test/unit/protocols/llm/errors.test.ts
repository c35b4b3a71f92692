import { describe, expect, it } from 'vitest';
import { llmErrorResponse, llmStreamErrorFrame } from '../../../../core/protocols/llm/errors.js';
import { llmParserFor } from '../../../../core/protocols/llm/registry.js';
import type { LlmApi } from '../../../../core/protocols/llm/types.js';
import { runParser } from '../../../helpers/llm-fixtures.js';

const enc = new TextEncoder();

describe('llmErrorResponse', () => {
  it('OpenAI shape', () => {
    const r = llmErrorResponse('openai-chat', { status: 403, message: 'Refused by Belay: policy rule no-secrets' });
    expect(r.status).toBe(403);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-should-retry']).toBe('false');
    expect(JSON.parse(r.body)).toEqual({ error: { message: 'Refused by Belay: policy rule no-secrets', type: 'permission_error', param: null, code: 'belay_refused' } });
  });

  it('Anthropic shape with the status-matched error type', () => {
    expect(JSON.parse(llmErrorResponse('anthropic-messages', { status: 403, message: 'no' }).body)).toEqual({ type: 'error', error: { type: 'permission_error', message: 'no' } });
    expect(JSON.parse(llmErrorResponse('anthropic-messages', { status: 529, message: 'busy' }).body).error.type).toBe('overloaded_error');
  });

  it('Gemini shape', () => {
    expect(JSON.parse(llmErrorResponse('gemini', { status: 403, message: 'no' }).body)).toEqual({ error: { code: 403, message: 'no', status: 'PERMISSION_DENIED' } });
  });

  it("each provider's parser reads Belay's refusal back as an error", () => {
    for (const api of ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'] as LlmApi[]) {
      const r = llmErrorResponse(api, { status: 403, message: 'Refused by Belay' });
      const run = runParser(llmParserFor(api)!, [enc.encode(r.body)], { stream: false, contentType: 'application/json' });
      expect(run.summary.error, api).toBe('Refused by Belay');
    }
  });
});

describe('llmStreamErrorFrame', () => {
  it("is one complete SSE event that the provider's own parser reads as an error", () => {
    for (const api of ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'] as LlmApi[]) {
      const frame = llmStreamErrorFrame(api, 'Tool call refused by Belay');
      expect(frame, api).toMatch(/(\r?\n){2}$/);
      const run = runParser(llmParserFor(api)!, [enc.encode(frame)], { stream: true, contentType: 'text/event-stream' });
      expect(run.frames.filter((f) => f.raw.length > 0), api).toHaveLength(1);
      expect(run.summary.error, api).toBe('Tool call refused by Belay');
    }
  });

  it('Anthropic uses the error event the SDK throws on', () => {
    expect(llmStreamErrorFrame('anthropic-messages', 'x')).toBe('event: error\ndata: {"type":"error","error":{"type":"permission_error","message":"x"}}\n\n');
  });

  it('closes a Gemini JSON-array stream', () => {
    const start = enc.encode('[{"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"},"index":0}]}');
    const tail = enc.encode(llmStreamErrorFrame('gemini', 'refused', { framing: 'json-array' }));
    const run = runParser(llmParserFor('gemini')!, [start, tail], { stream: true, contentType: 'application/json' });
    expect(run.summary).toMatchObject({ error: 'refused', errorType: 'PERMISSION_DENIED' });
    expect(run.frames[run.frames.length - 1].raw.at(-1)).toBe(0x5d);
  });
});
