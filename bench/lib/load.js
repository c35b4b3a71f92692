// The benchmark client: undici (keep-alive connections; through a proxy each connection is
// one CONNECT tunnel with TLS inside, as SDKs do it) sending LLM-shaped POSTs.
import { performance } from 'node:perf_hooks';
import { Agent, ProxyAgent, request } from 'undici';

/** A client for one target: direct (no proxy) or through `proxyPort`, trusting `caPem`. */
export function dispatcherFor({ proxyPort, caPem, connections }) {
  const tls = { ca: caPem, servername: 'localhost' };
  if (!proxyPort) return new Agent({ connect: tls, connections, pipelining: 1 });
  return new ProxyAgent({ uri: `http://127.0.0.1:${proxyPort}`, requestTls: tls, connections, pipelining: 1 });
}

let counter = 0;
/**
 * A small chat request (about 600 bytes), different each time like real prompts. It offers
 * a tool unless `tools` is false: Belay reads such answers through its tool-use gate, and
 * relays the others unheld.
 */
export function chatBody(stream = false, tools = true) {
  counter++;
  return JSON.stringify({
    model: 'gpt-4o-mini',
    stream,
    messages: [
      { role: 'system', content: 'You are a coding assistant. Follow the repository conventions and answer briefly.' },
      { role: 'user', content: `Request ${counter}: refactor src/handlers/user-${counter % 97}.ts so every handler shares one error path, then list the tests that need updating.` },
    ],
    ...(tools ? { tools: [{ type: 'function', function: { name: 'read_file', description: 'Read a file from the workspace.', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } } }] } : {}),
  });
}

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-not-a-real-key', 'user-agent': 'belay-bench/1' };

export async function chatOnce(dispatcher, origin, tools = true) {
  const t0 = performance.now();
  const res = await request(`${origin}/v1/chat/completions`, { method: 'POST', headers: HEADERS, body: chatBody(false, tools), dispatcher });
  await res.body.text();
  const ms = performance.now() - t0;
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  return ms;
}

/**
 * `concurrency` workers each send requests back to back for `durationMs` (after
 * `warmupMs` not counted). Returns per-request latencies (ms), requests/s, requests sent in
 * all (warm-up included) and errors.
 */
export async function runLoad({ dispatcher, origin, concurrency, durationMs, warmupMs = 500, tools = true }) {
  const latencies = [];
  let errors = 0;
  let firstError;
  let measuring = false;
  let done = false;
  let counted = 0;
  let sent = 0;
  const worker = async () => {
    while (!done) {
      try {
        sent++;
        const ms = await chatOnce(dispatcher, origin, tools);
        if (measuring && !done) {
          latencies.push(ms);
          counted++;
        }
      } catch (err) {
        errors++;
        firstError ??= err.message;
        if (errors > 50) done = true;
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  done = true;
  const elapsed = performance.now() - t0;
  await Promise.all(workers);
  // `requests`: all sent, warm-up included (what a proxy's CPU time over the run served).
  return { latencies, requestsPerSec: counted / (elapsed / 1000), requests: sent, errors, firstError };
}
