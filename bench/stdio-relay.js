#!/usr/bin/env node
// Per-message overhead of `belay mcp-wrap`'s relay: the same request/response traffic
// through an in-memory echo "server", once directly and once through McpRelay (parser,
// guard with allow-all, audit events into a real SQLite audit log). Processes and pipes
// are left out on purpose: they cost the same with and without Belay.
// Runs on the compiled code: `npx tsc -b`, then `node bench/stdio-relay.js [--messages N] [--json]`.
// Exported as benchStdioRelay() so bench/run.js can include it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';

const dist = new URL('../dist/core/', import.meta.url);

/** A server that answers every tools/call line with a small result, line for line. */
function echoServer(input, output, resultText) {
  let buf = '';
  input.setEncoding('utf8');
  input.on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const msg = JSON.parse(line);
      output.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: resultText(msg) }], isError: false } }) + '\n');
    }
  });
}

/** Sends `n` requests one after another and waits for each answer: the latency a copilot sees. */
async function roundTrips(toServer, fromServer, n, makeRequest) {
  let buf = '';
  let waiting;
  fromServer.setEncoding('utf8');
  fromServer.on('data', (c) => {
    buf += c;
    if (buf.includes('\n') && waiting) {
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
      const w = waiting;
      waiting = undefined;
      w();
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const answered = new Promise((r) => (waiting = r));
    toServer.write(makeRequest(i) + '\n');
    await answered;
  }
  return performance.now() - t0;
}

async function run(n, makeRequest, resultText, through) {
  const clientIn = new PassThrough({ highWaterMark: 1 << 20 });
  const clientOut = new PassThrough({ highWaterMark: 1 << 20 });
  if (!through) {
    echoServer(clientIn, clientOut, resultText);
    return roundTrips(clientIn, clientOut, n, makeRequest);
  }
  const serverIn = new PassThrough({ highWaterMark: 1 << 20 });
  const serverOut = new PassThrough({ highWaterMark: 1 << 20 });
  echoServer(serverIn, serverOut, resultText);
  through.start({ clientIn, clientOut, serverIn, serverOut });
  return roundTrips(clientIn, clientOut, n, makeRequest);
}

export async function benchStdioRelay({ messages = 5000 } = {}) {
  const { McpRelay } = await import(new URL('stdio/relay.js', dist).href);
  const { allowAllGuard } = await import(new URL('pipeline/verdict.js', dist).href);
  const { AuditLog } = await import(new URL('audit/audit-log.js', dist).href);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-bench-stdio-'));
  const audit = AuditLog.open(path.join(dir, 'belay.db'));
  const relay = () => new McpRelay({ server: 'bench', client: 'bench', session: 'bench', guard: allowAllGuard, audit, log: (m) => process.stderr.write(`belay: ${m}\n`) });
  const small = (i) => JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'read_file', arguments: { path: `/project/src/file-${i}.ts` } } });
  const smallResult = (m) => `export const x${m.id} = ${m.id};`;
  const bigPayload = 'x'.repeat(4 * 1024 * 1024);
  const big = (i) => JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'write_file', arguments: { path: '/p/big.txt', content: bigPayload } } });
  try {
    await run(500, small, smallResult); // warm up
    await run(500, small, smallResult, relay());
    const direct = await run(messages, small, smallResult);
    const relayed = await run(messages, small, smallResult, relay());
    const bigDirect = await run(5, big, smallResult);
    const bigRelayed = await run(5, big, smallResult, relay());
    audit.flush();
    // Two messages per round trip (request + result) each cross the relay once.
    return {
      messages,
      directMsPerRoundTrip: direct / messages,
      relayedMsPerRoundTrip: relayed / messages,
      overheadMsPerMessage: (relayed - direct) / messages / 2,
      bigMessageBytes: big(0).length,
      bigOverheadMsPerRoundTrip: (bigRelayed - bigDirect) / 5,
      auditedEvents: audit.stats().count,
    };
  } finally {
    audit.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--messages');
  const result = await benchStdioRelay({ messages: i > 0 ? Number(process.argv[i + 1]) : 5000 });
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `stdio relay: ${result.overheadMsPerMessage.toFixed(4)} ms per message added ` +
        `(${result.directMsPerRoundTrip.toFixed(4)} → ${result.relayedMsPerRoundTrip.toFixed(4)} ms per round trip, ${result.messages} round trips, ${result.auditedEvents} events logged); ` +
        `${(result.bigMessageBytes / 1048576).toFixed(1)} MB call: +${result.bigOverheadMsPerRoundTrip.toFixed(1)} ms\n`,
    );
  }
}
