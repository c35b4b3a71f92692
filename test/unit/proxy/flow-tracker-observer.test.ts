import { gzipSync } from 'node:zlib';
import type * as mockttp from 'mockttp';
import { describe, expect, it } from 'vitest';
import type { NewAuditEvent } from '../../../shared/events.js';
import { FlowTracker } from '../../../core/proxy/flow-tracker.js';
import type { ResponseObserver } from '../../../core/proxy/flow.js';

// The flow's observer reads the response where nothing would catch its errors (a
// decoder's callback; on the fast lane, a loop turn after the write). One that throws
// must cost the analysis of that response only: never the proxy, never the event.

function request(id: string): mockttp.Request {
  return {
    id,
    method: 'POST',
    url: 'https://api.openai.com/v1/chat/completions',
    headers: { host: 'api.openai.com', 'user-agent': 'test' },
    remotePort: 50000,
    timingEvents: { startTime: Date.now() },
  } as unknown as mockttp.Request;
}

function setUp() {
  const events: NewAuditEvent[] = [];
  const warnings: string[] = [];
  const flows = new FlowTracker({
    attributeClient: () => 'test',
    record: (e) => {
      events.push(e);
      return String(events.length);
    },
    warn: (m) => warnings.push(m),
    processes: { lookup: async () => undefined, known: () => undefined },
  });
  return { flows, events, warnings };
}

/** An observer that throws on its second chunk, and counts what it was given. */
function brittleObserver() {
  const seen: string[] = [];
  let finished = 0;
  const observer: ResponseObserver = {
    onData: (chunk) => {
      seen.push(Buffer.from(chunk).toString());
      if (seen.length === 2) throw new Error('parser bug');
    },
    finish: () => {
      finished++;
      return { event: { data: { chunksSeen: seen.length } } };
    },
  };
  return { observer, seen, finished: () => finished };
}

describe('FlowTracker and an observer that throws', () => {
  it('reports it once, stops feeding it, and still writes the event', () => {
    const { flows, events, warnings } = setUp();
    const flow = flows.open(request('a'));
    const brittle = brittleObserver();
    flow.observer = brittle.observer;
    flows.startResponse(flow, 200, { 'content-type': 'text/event-stream' });
    for (const chunk of ['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n']) expect(() => flows.feedResponse(flow, Buffer.from(chunk))).not.toThrow();
    flows.finish(flow, false);
    expect(brittle.seen).toEqual(['data: 1\n\n', 'data: 2\n\n']);
    expect(warnings).toEqual([expect.stringMatching(/protocol analysis failed for POST api\.openai\.com\/v1\/chat\/completions: parser bug/)]);
    expect(brittle.finished()).toBe(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 200, data: { chunksSeen: 2 } });
  });

  it('behind a decoder too (a gzip answer), where the throw would come from zlib\'s callback', async () => {
    const { flows, events, warnings } = setUp();
    const flow = flows.open(request('b'));
    const brittle = brittleObserver();
    flow.observer = brittle.observer;
    flows.startResponse(flow, 200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
    // Three gzip members, each decoded to its own chunk.
    for (const chunk of ['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n']) {
      flows.feedResponse(flow, gzipSync(chunk));
      await new Promise((r) => setTimeout(r, 20));
    }
    flows.finish(flow, false);
    await expect.poll(() => events.length).toBe(1);
    expect(brittle.seen.length).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 200 });
  });
});
