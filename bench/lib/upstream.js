// The local HTTPS upstream every proxy forwards to: it speaks OpenAI's Chat Completions
// wire format (so Belay runs its full LLM path: classify, parse, detectors, policy,
// audit), plain JSON and SSE. SSE events carry their index; the send time of each is kept
// here (same process and clock as the client) so forwarding delay is exact.
// Run as a child with `node bench/lib/upstream.js CERT KEY`: prints the port.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! The handlers now share one error path; tests are in src/app.test.ts.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 180, completion_tokens: 22, total_tokens: 202 },
});

function chunk(i, text) {
  return `data: ${JSON.stringify({ id: 'chatcmpl-sse', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: text }, finish_reason: null }], bench: i })}\n\n`;
}

/**
 * Starts the upstream. `sends` maps a stream id to the send time (performance.now()) of
 * each event, for the SSE delay measurement.
 */
export async function startUpstream({ cert, key, port = 0 } = {}) {
  const sends = new Map();
  const server = https.createServer({ cert, key, keepAlive: true }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      if (url.pathname === '/v1/chat/completions' && url.searchParams.has('sse')) {
        const id = url.searchParams.get('sse');
        const n = Number(url.searchParams.get('n') ?? 50);
        const every = Number(url.searchParams.get('every') ?? 10);
        const times = new Float64Array(n);
        sends.set(id, times);
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        let i = 0;
        const tick = () => {
          if (i < n) {
            times[i] = performance.now();
            res.write(chunk(i, `token-${i} `));
            i++;
            setTimeout(tick, every);
          } else {
            res.end('data: [DONE]\n\n');
          }
        };
        setTimeout(tick, every);
        return;
      }
      if (api.extra && !url.pathname.startsWith('/v1/')) {
        // Extra routes a benchmark adds (the soak's MCP endpoint): (req, body) => { status, headers, body }.
        const r = api.extra(req, Buffer.concat(parts).toString('utf8'));
        res.writeHead(r.status, r.headers ?? {});
        res.end(r.body);
        return;
      }
      if (url.pathname === '/v1/chat/completions') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(COMPLETION) });
        res.end(COMPLETION);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    });
  });
  let connections = 0;
  server.on('secureConnection', () => connections++);
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const api = {
    /** Optional handler for paths outside /v1/ (set by the caller). */
    extra: undefined,
    port: server.address().port,
    sends,
    /** TLS connections accepted so far (a proxy that does not reuse upstream connections shows here). */
    connections: () => connections,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
  return api;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const up = await startUpstream({ cert: readFileSync(process.argv[2], 'utf8'), key: readFileSync(process.argv[3], 'utf8') });
  process.stdout.write(`${up.port}\n`);
}
