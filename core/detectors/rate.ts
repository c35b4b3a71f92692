import type { Finding, GuardAction } from '../pipeline/action.js';
import { BoundedMap, pushWindow } from './bounded-map.js';
import type { Detector, DetectorContext } from './types.js';

export interface RateOptions {
  /** Requests per client per minute before a finding (default 120). */
  perMinute?: number;
  maxClients?: number;
}

/** Per-client request rate (LLM requests and tool calls): runaway agents and scripted abuse. */
export function rateDetector(opts: RateOptions = {}): Detector {
  // Bounded state: at most limit + 1 timestamps per client; limits above 10 000/min are clamped.
  const limit = Math.min(Math.max(1, opts.perMinute ?? 120), 10_000);
  const clients = new BoundedMap<string, number[]>(opts.maxClients ?? 1000);
  return {
    name: 'rate',
    appliesTo: ['llm.request', 'mcp.tool_call'],
    detect(action: GuardAction, ctx: DetectorContext): Finding[] {
      if (action.phase === 'response') return [];
      const times = pushWindow(clients.get(action.client) ?? [], ctx.now, 60_000, limit + 1);
      clients.set(action.client, times);
      if (times.length <= limit) return [];
      return [{
        detector: 'rate',
        severity: 'medium',
        ruleId: 'request-rate',
        message: `${action.client} sent more than ${limit} requests in the last minute.`,
      }];
    },
  };
}
