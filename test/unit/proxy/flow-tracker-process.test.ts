import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type * as mockttp from 'mockttp';
import { describe, expect, it } from 'vitest';
import type { NewAuditEvent } from '../../../shared/events.js';
import { FlowTracker } from '../../../core/proxy/flow-tracker.js';
import type { LocalProcess } from '../../../core/proxy/process-attribution.js';

function request(id: string, remotePort: number): mockttp.Request {
  return {
    id,
    method: 'POST',
    url: 'https://api.openai.com/v1/chat/completions',
    headers: { host: 'api.openai.com', 'user-agent': 'test' },
    remotePort,
    timingEvents: { startTime: Date.now() },
  } as unknown as mockttp.Request;
}

/** A process lookup the test settles by hand (a /proc scan can take seconds under load). */
function slowLookup() {
  let settle: (p: LocalProcess | undefined) => void = () => {};
  let found: LocalProcess | undefined;
  const pending = new Promise<LocalProcess | undefined>((resolve) => {
    settle = (p) => {
      found = p;
      resolve(p);
    };
  });
  return { lookup: () => pending, known: () => found, settle };
}

function tracker(processes: ReturnType<typeof slowLookup>) {
  const events: NewAuditEvent[] = [];
  const flows = new FlowTracker({
    attributeClient: () => 'test',
    record: (e) => {
      events.push(e);
      return String(events.length);
    },
    warn: () => {},
    processes,
  });
  return { flows, events };
}

describe('FlowTracker and the process behind a connection', () => {
  it('names the process on the event when the lookup finished before the flow ended, and never waits for it', () => {
    const processes = slowLookup();
    const { flows, events } = tracker(processes);
    flows.finish(flows.open(request('a', 50001)), false);
    expect(events[0].data?.process).toBeUndefined();
    processes.settle({ pid: 42, name: 'cursor' });
    flows.finish(flows.open(request('b', 50001)), false);
    expect(events[1].data?.process).toMatchObject({ pid: 42, name: 'cursor' });
  });

  it('does not keep a finished flow alive while the lookup is still running', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const processes = slowLookup();
    const { flows } = tracker(processes);
    let flow: object | undefined = flows.open(request('c', 50002));
    const ref = new WeakRef(flow);
    flows.finish(flow as Parameters<FlowTracker['finish']>[0], false);
    flow = undefined;
    await new Promise((r) => setImmediate(r));
    gc();
    // Before the fix each flow waited on the shared lookup promise and stayed reachable
    // from it: thousands of flows (with their analysers) under load.
    expect(ref.deref()).toBeUndefined();
  });
});
