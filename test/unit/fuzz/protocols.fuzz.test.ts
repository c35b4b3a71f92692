import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAgentCard, readA2aRequest, readA2aResponse } from '../../../core/protocols/a2a/index.js';
import { classify } from '../../../core/protocols/classify.js';
import { llmParserFor, type LlmApi } from '../../../core/protocols/llm/index.js';
import { McpSession, parseJsonRpc } from '../../../core/protocols/mcp/index.js';
import { createSseFramer } from '../../../core/protocols/sse-framer.js';

// Hostile input for every protocol parser: random bytes (invalid UTF-8 included), JSON of
// the wrong shape, pathological sizes and depths. Each must return (never throw, never
// hang: vitest's timeout bounds every property) and, where the contract says so, say why
// it could not read the input. Speed is measured in bench/, not here.

const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
/** Splits bytes at random points, as a network would. */
const chunks = (bytes: Uint8Array, cuts: number[]) => {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const c of cuts) {
    const end = Math.min(bytes.length, at + c);
    out.push(bytes.subarray(at, end));
    at = end;
  }
  out.push(bytes.subarray(at));
  return out;
};
const sseish = fc
  .array(fc.oneof(fc.constantFrom('data: ', 'event: ', 'id: ', 'retry: ', ': ', '\n', '\r', '\r\n', '\n\n', '{"a":', '[DONE]', '\u0000', '\u202e'), fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('latin1'))), { maxLength: 60 })
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));
const bytes = fc.oneof(fc.uint8Array({ maxLength: 2000 }), sseish);
const cuts = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 30 });
/** JSON nested `depth` levels deep: [[[...]]]. */
const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('JSON-RPC (MCP) parser', () => {
  it('any bytes: a result with messages or a reason, never a throw', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const r = parseJsonRpc(b);
        expect(Array.isArray(r.messages)).toBe(true);
        if (r.messages.length === 0) expect(typeof r.error).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('a batch keeps its valid members and names the bad ones', () => {
    const valid = fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer(), method: fc.string({ minLength: 1, maxLength: 10 }) });
    fc.assert(
      fc.property(fc.array(fc.oneof(valid, fc.jsonValue()), { minLength: 1, maxLength: 20 }), (members) => {
        const r = parseJsonRpc(JSON.stringify(members));
        expect(r.batch).toBe(true);
        const good = members.filter((m) => typeof m === 'object' && m !== null && !Array.isArray(m) && (m as { jsonrpc?: unknown }).jsonrpc === '2.0' && typeof (m as { method?: unknown }).method === 'string' && (m as { method: string }).method !== '');
        expect(r.messages.length).toBeGreaterThanOrEqual(good.length);
        if (r.messages.length < members.length) expect(r.error).toMatch(/member \d+/);
      }),
      { numRuns: 200 },
    );
  });

  it('deep nesting and huge ids are read or refused, not crashed on', () => {
    for (const text of [nested(100_000), `{"jsonrpc":"2.0","id":${'9'.repeat(5000)},"method":"x"}`, `{"jsonrpc":"2.0","method":"tools/call","params":${nested(50_000)}}`]) {
      const r = parseJsonRpc(text);
      expect(r.messages.length > 0 || typeof r.error === 'string').toBe(true);
    }
  });

  it('a stdio MCP session fed garbage lines keeps going and still reads the next good message', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({ jsonrpc: fc.constant('2.0'), id: fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), method: fc.constantFrom('initialize', 'tools/list', 'tools/call', 'resources/read'), params: fc.jsonValue() }).map((m) => JSON.stringify(m)),
      fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer(), result: fc.jsonValue() }).map((m) => JSON.stringify(m)),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), line), { maxLength: 30 }), (lines) => {
        const session = new McpSession();
        for (const [fromClient, l] of lines) {
          const r = fromClient ? session.feedClient(l) : session.feedServer(l);
          expect(Array.isArray(r.facts)).toBe(true);
        }
        const ok = session.feedClient('{"jsonrpc":"2.0","id":"last","method":"tools/call","params":{"name":"read_file","arguments":{"path":"a"}}}');
        expect(ok.error).toBeUndefined();
        expect(ok.facts.length).toBeGreaterThan(0);
      }),
      { numRuns: 150 },
    );
  });
});

describe('SSE framer', () => {
  it('any bytes in any chunking: every byte comes back out exactly once, in order', () => {
    fc.assert(
      fc.property(bytes, cuts, fc.integer({ min: 16, max: 4096 }), (b, c, cap) => {
        const framer = createSseFramer({ maxEventBytes: cap });
        const out: Uint8Array[] = [];
        for (const part of chunks(b, c)) for (const f of framer.push(part)) out.push(f.raw);
        const end = framer.end();
        for (const f of end.frames) out.push(f.raw);
        out.push(end.rest);
        expect(concat(out).equals(Buffer.from(b))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a 1 MB line with no event boundary is handed on in pieces as it arrives, never held whole', () => {
    const framer = createSseFramer({ maxEventBytes: 64 * 1024 });
    const line = Buffer.alloc(1024 * 1024, 'x');
    line.write('data: ', 0);
    let handed = 0;
    for (let at = 0; at < line.length; at += 16 * 1024) {
      for (const f of framer.push(line.subarray(at, at + 16 * 1024))) handed += f.raw.length;
    }
    // Everything past the cap went out before the end of the stream.
    expect(handed).toBeGreaterThanOrEqual(line.length - 64 * 1024);
    const end = framer.end();
    expect(handed + end.frames.reduce((n, f) => n + f.raw.length, 0) + end.rest.length).toBe(line.length);
  });
});

describe('LLM provider parsers', () => {
  const apis: LlmApi[] = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini', 'bedrock-converse', 'ollama-chat'];
  const contentTypes = ['text/event-stream', 'application/json', 'application/x-ndjson', 'application/vnd.amazon.eventstream', undefined];

  for (const api of apis) {
    it(`${api}: any response bytes, streamed or not, any chunking: frames and a summary, no throw`, () => {
      const parser = llmParserFor(api)!;
      expect(parser).toBeDefined();
      fc.assert(
        fc.property(bytes, cuts, fc.boolean(), fc.constantFrom(...contentTypes), (b, c, stream, contentType) => {
          const p = parser.createResponseParser({ stream, contentType, now: () => 0 });
          for (const part of chunks(b, c)) p.push(part);
          const end = p.end();
          expect(end.summary).toBeDefined();
        }),
        { numRuns: 150 },
      );
    });

    it(`${api}: any request body shape gives request facts, no throw`, () => {
      const parser = llmParserFor(api)!;
      fc.assert(
        fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (body) => {
          expect(parser.parseRequest(body)).toBeDefined();
        }),
        { numRuns: 200 },
      );
      expect(parser.parseRequest(JSON.parse(nested(5000)))).toBeDefined();
    });
  }

  it('classify() reads any head and any body without throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom('POST', 'GET', 'PUT', 'weird'), fc.string({ maxLength: 40 }), fc.string({ maxLength: 80 }), bytes, (method, host, path, body) => {
        const c = classify({ method, host, path: `/${path}`, headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } }, body);
        expect(['llm', 'mcp', 'a2a', 'http']).toContain(c.protocol);
      }),
      { numRuns: 300 },
    );
  });
});

describe('A2A', () => {
  it('requests, responses and agent cards of any shape: facts or an error, no throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue(), fc.anything()), fc.option(fc.constantFrom('message/send', 'SendMessage', 'tasks/get', 'x')), (body, method) => {
        const req = readA2aRequest(body as string);
        expect(Array.isArray(req.facts)).toBe(true);
        const res = readA2aResponse(body as string, method ?? undefined);
        expect(Array.isArray(res.facts)).toBe(true);
        const card = parseAgentCard(body as string);
        expect(card.card !== undefined || typeof card.error === 'string').toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(() => readA2aRequest(nested(100_000))).not.toThrow();
  });
});
