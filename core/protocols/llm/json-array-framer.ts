/**
 * Frames a streamed JSON array (Gemini's `streamGenerateContent` without `?alt=sse`:
 * `[{…}\n,\r\n{…}\n]`) into one frame per element, keeping every byte.
 *
 * Each element's frame carries the separator bytes before it, the closing `]` gets its
 * own frame, and bytes after it pass straight through, so concatenating every `raw` gives
 * back the input exactly. Scanning works on bytes: JSON's structural characters are
 * ASCII, and no byte of a multi-byte UTF-8 character can be mistaken for one.
 */
import { ByteBuffer } from '../byte-buffer.js';

export interface JsonArrayFrame {
  raw: Uint8Array;
  /** The element's JSON text, when this frame completed an element. */
  element?: string;
  /** This frame holds the array's closing bracket. */
  closed?: true;
  /** An element grew past the cap: from here on bytes pass through unparsed. */
  oversize?: true;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const decoder = new TextDecoder('utf-8');

export function createJsonArrayFramer(maxElementBytes = 8 * 1024 * 1024): {
  push(chunk: Uint8Array): JsonArrayFrame[];
  end(): { rest: Uint8Array; closed: boolean };
} {
  const pending = new ByteBuffer();
  let scanned = 0;
  let depth = 0; // 1 = inside the top-level array
  let inString = false;
  let escaped = false;
  let elementStart = -1; // index in buf where the current element's text begins
  let closed = false;
  let gaveUp = false;

  return {
    push(chunk) {
      if (chunk.length === 0) return [];
      if (closed) return [{ raw: chunk.slice() }];
      if (gaveUp) return [{ raw: chunk.slice(), oversize: true }];
      pending.append(chunk);
      const buf = pending.bytes;
      const len = pending.length;
      const frames: JsonArrayFrame[] = [];
      let frameStart = 0;
      for (let i = scanned; i < len; i++) {
        const b = buf[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) inString = false;
          continue;
        }
        if (b === QUOTE) {
          inString = true;
        } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          if (depth === 1) elementStart = i;
          depth++;
        } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          depth--;
          if (depth === 1 && elementStart >= 0) {
            frames.push({ raw: buf.slice(frameStart, i + 1), element: decoder.decode(buf.subarray(elementStart, i + 1)) });
            frameStart = i + 1;
            elementStart = -1;
          } else if (depth <= 0) {
            frames.push({ raw: buf.slice(frameStart, len), closed: true });
            frameStart = len;
            closed = true;
            break;
          }
        }
      }
      if (!closed && len - frameStart > maxElementBytes) {
        // Never hold a stream for one giant element: pass everything on, unparsed.
        frames.push({ raw: buf.slice(frameStart, len), oversize: true });
        frameStart = len;
        gaveUp = true;
      }
      pending.discard(frameStart);
      if (elementStart >= 0) elementStart -= frameStart;
      scanned = pending.length;
      return frames;
    },
    end() {
      return { rest: pending.takeAll(), closed };
    },
  };
}
