import { createHash } from 'node:crypto';
import type { Finding, GuardAction } from '../pipeline/action.js';
import { BoundedMap, pushWindow } from './bounded-map.js';
import type { Detector, DetectorContext } from './types.js';

export interface LoopOptions {
  /** Same call this many times ... (default 5) */
  repeats?: number;
  /** ... within this many ms is a loop (default 60 000). */
  windowMs?: number;
  /** Distinct calls remembered (default 5000). */
  maxKeys?: number;
}

/** Arguments in a canonical form: key order and whitespace never make two calls differ. */
export function normaliseArgs(value: unknown, depth = 0): unknown {
  if (depth > 12) return '…';
  if (typeof value === 'string') return value.trim().replace(/\s+/g, ' ').slice(0, 4096);
  if (Array.isArray(value)) return value.slice(0, 200).map((v) => normaliseArgs(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as Record<string, unknown>).sort().slice(0, 200)) out[k] = normaliseArgs((value as Record<string, unknown>)[k], depth + 1);
    return out;
  }
  return value;
}

export function callKey(action: GuardAction): string {
  return createHash('sha256')
    .update(JSON.stringify([action.client, action.server ?? '', action.tool ?? '', normaliseArgs(action.arguments)]))
    .digest('hex');
}

/** The same tool call with the same (normalised) arguments, repeated fast: an agent stuck in a loop. */
export function loopDetector(opts: LoopOptions = {}): Detector {
  // Bounded state: at most this many timestamps per call are kept, whatever was configured.
  const repeats = Math.min(Math.max(2, opts.repeats ?? 5), 1000);
  const windowMs = opts.windowMs ?? 60_000;
  const seen = new BoundedMap<string, number[]>(opts.maxKeys ?? 5000);
  return {
    name: 'loop',
    appliesTo: ['mcp.tool_call', 'llm.tool_use'],
    detect(action: GuardAction, ctx: DetectorContext): Finding[] {
      if (action.phase === 'response' || !action.tool) return [];
      const key = callKey(action);
      const times = pushWindow(seen.get(key) ?? [], ctx.now, windowMs, repeats);
      seen.set(key, times);
      if (times.length < repeats) return [];
      return [{
        detector: 'loop',
        severity: 'medium',
        ruleId: 'repeated-call',
        where: `tool ${action.tool}`,
        message: `${action.tool} was called ${times.length} times in ${Math.round(windowMs / 1000)} s with the same arguments: the agent may be stuck in a loop.`,
      }];
    },
  };
}
