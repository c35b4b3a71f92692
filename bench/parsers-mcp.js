#!/usr/bin/env node
// Messages per second the MCP parser sustains, as each door sees MCP: stdio lines
// (tools/call request + result pairs through McpSession), a Streamable HTTP SSE answer
// stream (framer + registry + session, 4 KiB chunks), and tool pins for tools/list
// results. Runs on the compiled code: `npx tsc -b` first, then
// `node bench/parsers-mcp.js [--messages N] [--json]`.
// Exported as benchParsersMcp() so bench/run.js can include it in `npm run bench`.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const CHUNK = 4096;

function callPair(i) {
  const req = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'read_file', arguments: { path: `/project/src/file-${i}.ts` } } });
  const res = JSON.stringify({ jsonrpc: '2.0', id: i, result: { content: [{ type: 'text', text: `export const x${i} = ${i}; // café` }], isError: false } });
  return [req, res];
}

function tool(i) {
  return {
    name: `tool_${i}`,
    description: `Does thing ${i}.\nUse it carefully.`,
    inputSchema: { type: 'object', properties: { path: { type: 'string' }, recursive: { type: 'boolean' }, depth: { type: 'number' } }, required: ['path'] },
    annotations: { readOnlyHint: i % 2 === 0, destructiveHint: i % 2 === 1 },
  };
}

function best(rounds, fn) {
  let ms = Infinity;
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    n = fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, n };
}

function row(parser, n, ms, bytes) {
  return {
    parser,
    messages: n,
    bestMs: Math.round(ms * 10) / 10,
    messagesPerSec: Math.round(n / (ms / 1000)),
    ...(bytes ? { mbPerSec: Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10 } : {}),
    usPerMessage: Math.round(((ms * 1000) / n) * 100) / 100,
  };
}

export async function benchParsersMcp({ messages = 50_000, rounds = 5 } = {}) {
  const { McpSession } = await import('../dist/core/protocols/mcp/session.js');
  const { McpHttpSessions } = await import('../dist/core/protocols/mcp/http-sessions.js');
  const { toolPin } = await import('../dist/core/protocols/mcp/pin.js');
  const { createSseFramer } = await import('../dist/core/protocols/sse-framer.js');
  const results = [];

  const pairs = Array.from({ length: messages / 2 }, (_, i) => callPair(i));
  const stdio = best(rounds, () => {
    const s = new McpSession();
    let n = 0;
    for (const [req, res] of pairs) {
      n += s.feedClient(req).facts.length;
      const f = s.feedServer(res).facts;
      if (!f[0]?.matched) throw new Error('bench input did not match its requests');
      n += f.length;
    }
    return n;
  });
  results.push(row('stdio lines (session)', stdio.n, stdio.ms, pairs.reduce((a, [q, r]) => a + q.length + r.length + 2, 0)));

  const sse = new TextEncoder().encode(pairs.map(([, res], i) => `id: ${i}\nevent: message\ndata: ${res}\n\n`).join(''));
  const chunks = [];
  for (let i = 0; i < sse.length; i += CHUNK) chunks.push(sse.subarray(i, i + CHUNK));
  const http = best(rounds, () => {
    const reg = new McpHttpSessions();
    const entry = reg.forRequest({ method: 'POST', host: 'bench', path: '/mcp', headers: { 'mcp-session-id': 's' } }, 'bench');
    for (const [req] of pairs) entry.session.feedClient(req);
    const framer = createSseFramer();
    let n = pairs.length;
    for (const c of chunks) for (const frame of framer.push(c)) n += reg.onServerFrame(entry, frame).facts.length;
    return n;
  });
  results.push(row('HTTP: requests + SSE answers', http.n, http.ms, sse.length));

  const tools = Array.from({ length: 50 }, (_, i) => tool(i));
  const pins = best(rounds, () => {
    let n = 0;
    for (let r = 0; r < 200; r++) for (const t of tools) n += toolPin(t).length > 0 ? 1 : 0;
    return n;
  });
  results.push(row('toolPin (per tool)', pins.n, pins.ms));
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--messages');
  const messages = at >= 0 ? Number(args[at + 1]) : 50_000;
  if (!Number.isInteger(messages) || messages <= 1) {
    console.error('--messages must be an integer above 1');
    process.exit(2);
  }
  try {
    const results = await benchParsersMcp({ messages });
    if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
    else {
      console.log(`MCP parsing, ${messages} messages (best of 5):`);
      for (const r of results) console.log(`  ${r.parser.padEnd(30)} ${String(r.messagesPerSec).padStart(10)} msg/s  ${r.usPerMessage} µs/msg${r.mbPerSec ? `  ${r.mbPerSec} MB/s` : ''}`);
    }
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') console.error('Compiled code not found: run `npx tsc -b` first.');
    else console.error(err);
    process.exit(1);
  }
}
