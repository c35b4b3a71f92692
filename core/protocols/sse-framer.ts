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

export function createSseFramer(): SseFramer {
  let buf = new Uint8Array(1024);
  let len = 0; // bytes [0, len) not yet handed out
  let scanned = 0; // bytes [0, scanned) already looked at
  let lineLen = 0; // characters in the current line so far
  // A CR was the last byte seen: a following LF belongs to the same line ending. When a
  // CR ends an event at a chunk boundary we hand the event out at once (no waiting for
  // the next chunk) and the LF, if it comes, opens the next frame's raw bytes.
  let skipLF = false;
  let ended = false;

  const append = (chunk: Uint8Array): void => {
    if (len + chunk.length > buf.length) {
      let cap = buf.length * 2;
      while (cap < len + chunk.length) cap *= 2;
      const bigger = new Uint8Array(cap);
      bigger.set(buf.subarray(0, len));
      buf = bigger;
    }
    buf.set(chunk, len);
    len += chunk.length;
  };

  return {
    push(chunk) {
      if (ended) throw new Error('SSE framer: push() after end()');
      if (chunk.length === 0) return [];
      append(chunk);
      const frames: SseFrame[] = [];
      let frameStart = 0;
      for (let i = scanned; i < len; i++) {
        const b = buf[i];
        if (skipLF) {
          skipLF = false;
          if (b === LF) continue;
        }
        if (b !== LF && b !== CR) {
          lineLen++;
          continue;
        }
        if (lineLen > 0) {
          lineLen = 0;
          if (b === CR) skipLF = true;
          continue;
        }
        // A blank line: the event ends after its terminator.
        let end = i + 1;
        if (b === CR) {
          if (end < len) {
            if (buf[end] === LF) end++;
          } else {
            skipLF = true;
          }
        }
        frames.push(parseSseBlock(buf.slice(frameStart, end)));
        frameStart = end;
        i = end - 1;
      }
      if (frameStart > 0) {
        buf.copyWithin(0, frameStart, len);
        len -= frameStart;
      }
      scanned = len;
      return frames;
    },
    end() {
      ended = true;
      const rest = buf.slice(0, len);
      len = 0;
      scanned = 0;
      return { frames: [], rest };
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
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let eol = pos;
    while (eol < n) {
      const c = text.charCodeAt(eol);
      if (c === LF || c === CR) break;
      eol++;
    }
    if (eol > pos) {
      const line = text.slice(pos, eol);
      if (line.charCodeAt(0) === 0x3a /* : */) {
        (comments ??= []).push(line.charCodeAt(1) === 0x20 ? line.slice(2) : line.slice(1));
      } else {
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
    }
    pos = eol;
    if (pos < n && text.charCodeAt(pos) === CR) pos++;
    if (pos < n && text.charCodeAt(pos) === LF) pos++;
  }
  if (data) frame.data = data.join('\n');
  if (comments) frame.comment = comments.join('\n');
  return frame;
}
