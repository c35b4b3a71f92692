// Per-event SSE forwarding delay: the upstream (in this process) sends N events spaced
// apart and notes each send time; the client notes when each arrives. Delay = receive −
// send on one clock. A proxy that buffers shows delays that grow toward the stream's end.
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { summary, round } from './stats.js';

let streams = 0;

/** `tools: true` offers a tool in the request, so Belay streams the answer through its tool-use gate. */
export async function sseDelays({ dispatcher, origin, upstream, events = 100, everyMs = 10, tools = false }) {
  const id = `s${++streams}`;
  const recv = new Float64Array(events).fill(NaN);
  const res = await request(`${origin}/v1/chat/completions?sse=${id}&n=${events}&every=${everyMs}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'user-agent': 'belay-bench/1' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'Count for me.' }],
      ...(tools ? { tools: [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object' } } }] } : {}),
    }),
    dispatcher,
  });
  if (res.statusCode !== 200) throw new Error(`SSE request got HTTP ${res.statusCode}`);
  let buf = '';
  for await (const chunk of res.body) {
    const now = performance.now();
    buf += chunk.toString('utf8');
    let at;
    while ((at = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, at);
      buf = buf.slice(at + 2);
      const m = /"bench":(\d+)/.exec(frame);
      if (m) recv[Number(m[1])] = now;
    }
  }
  const sent = upstream.sends.get(id);
  upstream.sends.delete(id);
  const delays = [];
  let missing = 0;
  for (let i = 0; i < events; i++) {
    if (Number.isNaN(recv[i])) missing++;
    else delays.push(recv[i] - sent[i]);
  }
  // Buffered: events held back until later ones were sent (a delay of a whole spacing or more for most events).
  const s = summary(delays);
  const streamMs = sent[events - 1] - sent[0];
  return { ...s, missing, buffered: missing > 0 || s.p50 >= everyMs, firstEventMs: round(delays[0], 3), streamMs: round(streamMs, 1) };
}
