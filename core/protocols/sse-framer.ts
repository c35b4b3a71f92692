/**
 * Byte-exact Server-Sent Events framer.
 *
 * The proxy forwards an SSE stream event by event and may hold one event back (to ask a
 * human about a tool call), so it needs each event's exact bytes, not only its fields.
 * eventsource-parser gives fields but not byte boundaries, hence this small scanner; the
 * field rules follow the WHATWG EventSource spec (lines end in CRLF, LF or CR; a blank line
 * ends an event; `:` starts a comment; one leading space after the colon is dropped).
 *
 * Invariant the proxy relies on: the `raw` of every frame pushed out, followed by `rest`
 * from end(), is exactly the input, byte for byte, whatever the chunking.
 */
import { ByteBuffer } from './byte-buffer.js';

export interface SseFrame {
  /** The exact bytes of this event, including the blank line that ends it. */
  raw: Uint8Array;
  event?: string;
  /** data lines joined with '\n'; '' for comment-only or empty blocks. */
  data: string;
  id?: string;
  retry?: number;
  /** Comment lines (`: ping`), joined with '\n', without the leading colon. */
  comment?: string;
  /**
   * Part of an event larger than the framer's cap, handed out unparsed so a stream with
   * a giant event (or no event boundaries at all) is never held whole. The rest of that
   * event follows in further oversize frames.
   */
  oversize?: true;
}

export interface SseFramerOptions {
  /** Largest event kept whole, in bytes (default 8 MiB). */
  maxEventBytes?: number;
}

export interface SseFramer {
  /** Feed bytes; returns the events completed by them (possibly none). */
  push(chunk: Uint8Array): SseFrame[];
  /** End of stream: bytes of an unfinished event are handed back as `rest`, never lost. */
  end(): { frames: SseFrame[]; rest: Uint8Array };
}

const LF = 0x0a;
const CR = 0x0d;
const decoder = new TextDecoder('utf-8');
const LINE_BREAK = /\r\n|\r|\n/;

export function createSseFramer(opts: SseFramerOptions = {}): SseFramer {
  const maxEvent = opts.maxEventBytes ?? 8 * 1024 * 1024;
  let inOversize = false; // the current event already went out in part
  const pending = new ByteBuffer(); // bytes not yet handed out
  let scanned = 0; // bytes [0, scanned) already looked at
  let lineLen = 0; // bytes in the current line so far
  // A CR was the last byte seen: a following LF belongs to the same line ending. When a
  // CR ends an event at a chunk boundary we hand the event out at once (no waiting for
  // the next chunk) and the LF, if it comes, opens the next frame's raw bytes.
  let skipLF = false;
  let ended = false;

  return {
    push(chunk) {
      if (ended) throw new Error('SSE framer: push() after end()');
      if (chunk.length === 0) return [];
      pending.append(chunk);
      const buf = pending.bytes;
      const len = pending.length;
      const frames: SseFrame[] = [];
      let frameStart = 0;
      // Jump from line end to line end with native indexOf (fast) rather than a byte loop.
      let nextCR = -2; // -2: not looked up yet in this push; -1: none left
      const lineEnd = (from: number): number => {
        if (nextCR === -2 || (nextCR >= 0 && nextCR < from)) {
          nextCR = buf.indexOf(CR, from);
          if (nextCR >= len) nextCR = -1; // bytes past len are stale capacity
        }
        let lf = buf.indexOf(LF, from);
        if (lf >= len) lf = -1;
        if (nextCR < 0) return lf;
        return lf < 0 ? nextCR : Math.min(lf, nextCR);
      };
      let i = scanned;
      while (i < len) {
        if (skipLF) {
          skipLF = false;
          if (buf[i] === LF) {
            i++;
            continue;
          }
        }
        const eol = lineEnd(i);
        if (eol < 0) {
          lineLen += len - i;
          break;
        }
        const b = buf[eol];
        if (lineLen + (eol - i) > 0) {
          lineLen = 0;
          if (b === CR) skipLF = true;
          i = eol + 1;
          continue;
        }
        // A blank line: the event ends after its terminator.
        let end = eol + 1;
        if (b === CR) {
          if (end < len) {
            if (buf[end] === LF) end++;
          } else {
            skipLF = true;
          }
        }
        if (inOversize) {
          frames.push({ raw: buf.slice(frameStart, end), data: '', oversize: true });
          inOversize = false;
        } else {
          frames.push(parseSseBlock(buf.slice(frameStart, end)));
        }
        frameStart = end;
        i = end;
      }
      if (len - frameStart > maxEvent || (inOversize && len > frameStart)) {
        // Too big to hold: hand the bytes on unparsed; line state carries over.
        frames.push({ raw: buf.slice(frameStart, len), data: '', oversize: true });
        frameStart = len;
        inOversize = true;
      }
      pending.discard(frameStart);
      scanned = pending.length;
      return frames;
    },
    end() {
      ended = true;
      scanned = 0;
      return { frames: [], rest: pending.takeAll() };
    },
  };
}

/**
 * Parses the fields of one event block (its bytes, terminators included). Exported so a
 * caller can read an unterminated tail leniently; the spec itself drops such a tail.
 */
export function parseSseBlock(raw: Uint8Array): SseFrame {
  const text = decoder.decode(raw);
  const frame: SseFrame = { raw, data: '' };
  let data: string[] | undefined;
  let comments: string[] | undefined;
  // Native split is much faster than a character loop; CR-only streams are rare.
  const lines = text.indexOf('\r') < 0 ? text.split('\n') : text.split(LINE_BREAK);
  for (const line of lines) {
    if (line === '') continue;
    if (line.charCodeAt(0) === 0x3a /* : */) {
      (comments ??= []).push(line.charCodeAt(1) === 0x20 ? line.slice(2) : line.slice(1));
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'data':
        (data ??= []).push(value);
        break;
      case 'event':
        frame.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) frame.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) frame.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored, as the spec says
    }
  }
  if (data) frame.data = data.join('\n');
  if (comments) frame.comment = comments.join('\n');
  return frame;
}
