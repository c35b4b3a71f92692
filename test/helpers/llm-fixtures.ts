import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LlmFrame, LlmParser, LlmResponseParserOptions, LlmResponseSummary } from '../../core/protocols/llm/types.js';

const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/llm');

/** A fixture's exact bytes. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(fixturesDir, name)));
}

/** Cuts bytes at the given sizes, cycling through them. */
export function chunked(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

export interface ParseRun {
  frames: LlmFrame[];
  summary: LlmResponseSummary;
  /** Every frame's raw bytes, concatenated. */
  raw: Uint8Array;
  events: LlmFrame['events'];
}

/** Feeds the chunks through a fresh response parser, as the proxy would. */
export function runParser(parser: LlmParser, chunks: Uint8Array[], opts: LlmResponseParserOptions): ParseRun {
  const p = parser.createResponseParser({ now: () => 1000, ...opts });
  const frames: LlmFrame[] = [];
  for (const c of chunks) frames.push(...p.push(c));
  const end = p.end();
  frames.push(...end.frames);
  const total = frames.reduce((n, f) => n + f.raw.length, 0);
  const raw = new Uint8Array(total);
  let o = 0;
  for (const f of frames) {
    raw.set(f.raw, o);
    o += f.raw.length;
  }
  return { frames, summary: end.summary, raw, events: frames.flatMap((f) => f.events) };
}
