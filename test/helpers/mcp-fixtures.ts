import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSseFramer, type SseFrame } from '../../core/protocols/sse-framer.js';
import type { McpFacts, McpSession } from '../../core/protocols/mcp/session.js';

/** Reads MCP wire fixtures (test/fixtures/mcp) and replays them through a session. */

export const mcpFixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'mcp');

export interface WireEntry {
  dir: 'c2s' | 's2c';
  body: unknown;
}

export function loadMcpWire(name: string): WireEntry[] {
  const doc = JSON.parse(readFileSync(path.join(mcpFixtureDir, name), 'utf8')) as { wire: WireEntry[] };
  return doc.wire;
}

/** Feeds each entry as the transport would (raw text for strings, else the JSON text). */
export function replay(session: McpSession, wire: WireEntry[], clock?: { t: number; step: number }): { facts: McpFacts[]; errors: (string | undefined)[] } {
  const facts: McpFacts[] = [];
  const errors: (string | undefined)[] = [];
  for (const e of wire) {
    const raw = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
    const at = clock ? (clock.t += clock.step) : undefined;
    const r = e.dir === 'c2s' ? session.feedClient(raw, at) : session.feedServer(raw, at);
    facts.push(...r.facts);
    errors.push(r.error);
  }
  return { facts, errors };
}

export function sseFrames(name: string, chunkSize = Infinity): SseFrame[] {
  const bytes = readFileSync(path.join(mcpFixtureDir, name));
  const framer = createSseFramer();
  const frames: SseFrame[] = [];
  for (let i = 0; i < bytes.length; i += Number.isFinite(chunkSize) ? chunkSize : bytes.length) {
    frames.push(...framer.push(bytes.subarray(i, Number.isFinite(chunkSize) ? i + chunkSize : bytes.length)));
  }
  framer.end();
  return frames;
}
