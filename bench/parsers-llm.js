#!/usr/bin/env node
// Events per second each LLM response parser sustains on a large generated stream, fed
// in 4 KiB chunks as the proxy would see it; then classify() + attributeClient() per request. Runs on the compiled code: `npx tsc -b`
// first, then `node bench/parsers-llm.js [--events N] [--json]`.
// Exported as benchParsersLlm() and benchClassify() so bench/run.js can include them in `npm run bench`.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const CHUNK = 4096;

function openaiChatStream(n) {
  const parts = [];
  const base = '"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1753712345,"model":"gpt-4o-2024-08-06"';
  parts.push(`data: {${base},"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"write_file","arguments":""}}]},"finish_reason":null}]}\n\n`);
  for (let i = 0; i < n; i++) {
    const frag = JSON.stringify(i % 2 ? 'word ' : '{"k":').slice(1, -1);
    parts.push(i < n / 2
      ? `data: {${base},"choices":[{"index":0,"delta":{"content":"token ${i} caf\u00e9 "},"finish_reason":null}]}\n\n`
      : `data: {${base},"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"${frag}"}}]},"finish_reason":null}]}\n\n`);
  }
  parts.push(`data: {${base},"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\ndata: [DONE]\n\n`);
  return parts.join('');
}

function anthropicStream(n) {
  const parts = ['event: message_start\ndata: {"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"usage":{"input_tokens":100,"output_tokens":1}}}\n\n'];
  parts.push('event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n');
  for (let i = 0; i < n; i++) parts.push(`event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"token ${i} r\u00e9sum\u00e9 "}}\n\n`);
  parts.push('event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n');
  parts.push('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":500}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n');
  return parts.join('');
}

function responsesStream(n) {
  const parts = ['event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_bench","object":"response","status":"in_progress","model":"gpt-4.1","output":[]}}\n\n'];
  for (let i = 0; i < n; i++) parts.push(`event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${i + 1},"item_id":"msg_1","output_index":0,"content_index":0,"delta":"token ${i} "}\n\n`);
  parts.push('event: response.completed\ndata: {"type":"response.completed","response":{"id":"resp_bench","status":"completed","model":"gpt-4.1","output":[],"usage":{"input_tokens":10,"output_tokens":500}}}\n\n');
  return parts.join('');
}

function geminiArrayStream(n) {
  const el = (i) => JSON.stringify({ candidates: [{ content: { parts: [{ text: `token ${i} Z\u00fcrich ` }], role: 'model' }, index: 0 }], modelVersion: 'gemini-2.5-flash' }, null, 2);
  const items = [];
  for (let i = 0; i < n; i++) items.push(el(i));
  items.push(JSON.stringify({ candidates: [{ content: { parts: [{ text: '.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 500 } }, null, 2));
  return '[' + items.join('\n,\r\n') + '\n]';
}

function ollamaNdjsonStream(n) {
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ model: 'llama3.2', created_at: '2025-07-28T14:01:02.123456Z', message: { role: 'assistant', content: `token ${i} ` }, done: false }));
  lines.push(JSON.stringify({ model: 'llama3.2', created_at: '2025-07-28T14:01:03Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 26, eval_count: n }));
  return lines.join('\n') + '\n';
}

function bedrockConverseStream(n, encodeEventStreamMessage) {
  const enc = new TextEncoder();
  const ev = (type, obj) => encodeEventStreamMessage({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, enc.encode(JSON.stringify(obj)));
  const parts = [ev('messageStart', { role: 'assistant', p: 'abc' })];
  for (let i = 0; i < n; i++) parts.push(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: `token ${i} ` }, p: 'abcdef' }));
  parts.push(ev('contentBlockStop', { contentBlockIndex: 0 }), ev('messageStop', { stopReason: 'end_turn' }), ev('metadata', { usage: { inputTokens: 10, outputTokens: n } }));
  const total = parts.reduce((k, p) => k + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function chunksOf(bytes) {
  const out = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
}

export async function benchParsersLlm({ events = 50_000, rounds = 5 } = {}) {
  const registry = await import('../dist/core/protocols/llm/registry.js');
  const { encodeEventStreamMessage } = await import('../dist/core/protocols/llm/aws-eventstream.js');
  const cases = [
    ['openai-chat', openaiChatStream(events), { stream: true, contentType: 'text/event-stream' }],
    ['openai-responses', responsesStream(events), { stream: true, contentType: 'text/event-stream' }],
    ['anthropic-messages', anthropicStream(events), { stream: true, contentType: 'text/event-stream' }],
    ['gemini', geminiArrayStream(events), { stream: true, contentType: 'application/json' }],
    ['ollama-chat', ollamaNdjsonStream(events), { stream: true, contentType: 'application/x-ndjson' }],
    ['bedrock-converse', bedrockConverseStream(events, encodeEventStreamMessage), { stream: true, contentType: 'application/vnd.amazon.eventstream' }],
  ];
  const results = [];
  for (const [api, text, opts] of cases) {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    const chunks = chunksOf(bytes);
    const parser = registry.llmParserFor(api);
    let best = Infinity;
    let frames = 0;
    for (let r = 0; r < rounds; r++) {
      const p = parser.createResponseParser(opts);
      const t0 = performance.now();
      let n = 0;
      for (const c of chunks) n += p.push(c).length;
      const end = p.end();
      n += end.frames.length;
      const ms = performance.now() - t0;
      if (end.summary.truncated) throw new Error(`${api}: the generated stream parsed as truncated; the bench input is wrong`);
      best = Math.min(best, ms);
      frames = n;
    }
    results.push({
      parser: api,
      frames,
      bytes: bytes.length,
      bestMs: Math.round(best * 10) / 10,
      eventsPerSec: Math.round(frames / (best / 1000)),
      mbPerSec: Math.round((bytes.length / 1e6 / (best / 1000)) * 10) / 10,
      usPerEvent: Math.round((best * 1000 / frames) * 100) / 100,
    });
  }
  return results;
}

/** Calls per second of classify() + attributeClient(), the per-request hot path. */
export async function benchClassify({ iterations = 200_000 } = {}) {
  const { classify } = await import('../dist/core/protocols/classify.js');
  const { attributeClient } = await import('../dist/core/protocols/client-attribution.js');
  const big = Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', stream: true, max_tokens: 8192, messages: Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'x'.repeat(2000) })) }));
  const shapes = [
    ['openai chat, small body', { method: 'POST', host: 'api.openai.com', path: '/v1/chat/completions', headers: { 'user-agent': 'OpenAI/JS 6.30.1', 'x-stainless-lang': 'js' } }, Buffer.from('{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}')],
    ['anthropic, 80 KB body', { method: 'POST', host: 'api.anthropic.com', path: '/v1/messages', headers: { 'user-agent': 'claude-cli/2.0.14 (external, cli)', 'anthropic-version': '2023-06-01' } }, big],
    ['mcp tools/call', { method: 'POST', host: '127.0.0.1:3000', path: '/mcp', headers: { accept: 'application/json, text/event-stream', 'mcp-session-id': 'abc' } }, Buffer.from('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x","arguments":{}}}')],
    ['plain GET', { method: 'GET', host: 'example.com', path: '/index.html', headers: { 'user-agent': 'Mozilla/5.0' } }, undefined],
  ];
  const results = [];
  for (const [name, meta, body] of shapes) {
    const n = body && body.length > 10_000 ? Math.max(1000, iterations / 100) : iterations;
    for (let i = 0; i < 1000; i++) classify(meta, body);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      classify(meta, body);
      attributeClient(meta.headers);
    }
    const ms = performance.now() - t0;
    results.push({ shape: name, callsPerSec: Math.round(n / (ms / 1000)), usPerCall: Math.round((ms * 1000 / n) * 100) / 100 });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--events');
  const events = at >= 0 ? Number(args[at + 1]) : 50_000;
  if (!Number.isInteger(events) || events <= 0) {
    console.error('--events must be a positive integer');
    process.exit(2);
  }
  try {
    const results = await benchParsersLlm({ events });
    if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
    else {
      console.log(`LLM response parsers, ${events} events per stream, ${CHUNK}-byte chunks (best of 5):`);
      for (const r of results) console.log(`  ${r.parser.padEnd(20)} ${String(r.eventsPerSec).padStart(10)} events/s  ${String(r.mbPerSec).padStart(6)} MB/s  ${r.usPerEvent} µs/event`);
    }
    const classifyResults = await benchClassify();
    if (args.includes('--json')) console.log(JSON.stringify(classifyResults, null, 2));
    else {
      console.log('classify() + attributeClient() per request:');
      for (const r of classifyResults) console.log(`  ${r.shape.padEnd(26)} ${String(r.callsPerSec).padStart(10)} calls/s  ${r.usPerCall} µs/call`);
    }
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') console.error('Compiled code not found: run `npx tsc -b` first.');
    else console.error(err);
    process.exit(1);
  }
}
