import { createParser } from 'eventsource-parser';
import type { StreamMessage } from '../../shared/api.js';
import type { Api } from './api.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unauthorised';

/**
 * Follows GET /api/events/stream with fetch (so the token goes in a header, never in a
 * URL) and reconnects with Last-Event-ID, so a dropped connection misses no event.
 * Returns a stop function.
 */
export function followLive(api: Api, onMessage: (m: StreamMessage) => void, onState: (s: LiveState) => void): () => void {
  const abort = new AbortController();
  let lastId: string | undefined;
  let attempt = 0;

  const run = async () => {
    while (!abort.signal.aborted) {
      onState(attempt === 0 ? 'connecting' : 'reconnecting');
      try {
        const headers = api.headers({ Accept: 'text/event-stream' });
        if (lastId) headers['Last-Event-ID'] = lastId;
        const res = await fetch('/api/events/stream', { headers, signal: abort.signal, cache: 'no-store' });
        if (res.status === 401) {
          onState('unauthorised');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('live');
        attempt = 0;
        const parser = createParser({
          onEvent: (ev) => {
            if (ev.id) lastId = ev.id;
            try {
              onMessage(JSON.parse(ev.data) as StreamMessage);
            } catch (err) {
              console.error('belay: bad live message', err);
            }
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        console.warn('belay: live stream dropped, reconnecting', err);
      }
      attempt += 1;
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
    }
  };
  void run();
  return () => abort.abort();
}
