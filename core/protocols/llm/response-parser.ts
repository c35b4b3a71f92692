import { createSseFramer, parseSseBlock, type SseFrame } from '../sse-framer.js';
import type { FormatHandler } from './format-handler.js';
import { createEventStreamFramer, type EventStreamMessage } from './aws-eventstream.js';
import { createJsonArrayFramer } from './json-array-framer.js';
import type { LlmFrame, LlmResponseParser, LlmResponseParserOptions, LlmStreamEvent } from './types.js';

type Mode = 'sse' | 'json-array' | 'ndjson' | 'eventstream' | 'body';

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
/** Largest NDJSON line held whole before it is passed on unparsed. */
const MAX_PENDING = 8 * 1024 * 1024;
const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder('utf-8');

const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

function modeFromContentType(ct: string | undefined): Mode | undefined {
  if (!ct) return undefined;
  const t = ct.toLowerCase();
  if (t.includes('text/event-stream')) return 'sse';
  if (t.includes('vnd.amazon.eventstream')) return 'eventstream';
  if (t.includes('ndjson') || t.includes('jsonl')) return 'ndjson';
  return undefined; // JSON bodies are told apart by their first byte ('[' array stream or '{' body)
}

/**
 * Wraps a provider's FormatHandler with the framing every format shares: picks SSE, JSON
 * array, NDJSON or plain body from the content type and the first bytes, hands each
 * decoded message to the handler, keeps every byte in exactly one frame, and never throws
 * on bad input (it records an error and carries on).
 */
export function createFramedResponseParser(
  handler: FormatHandler,
  opts: LlmResponseParserOptions & { ndjsonWhenStreaming?: boolean },
): LlmResponseParser {
  const now = opts.now ?? Date.now;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const state = handler.state;
  let mode: Mode | undefined = modeFromContentType(opts.contentType);
  let firstTokenAt: number | undefined;
  let pendingPrefix: Uint8Array[] = []; // whitespace seen before the mode could be told
  let sse: ReturnType<typeof createSseFramer> | undefined;
  let jsonArray: ReturnType<typeof createJsonArrayFramer> | undefined;
  let eventStream: ReturnType<typeof createEventStreamFramer> | undefined;
  let ndjsonBuf: Uint8Array[] = [];
  let bodyChunks: Uint8Array[] = [];
  let bodyBytes = 0;
  let oversize = false;
  let arrayClosed = false;
  let leftoverJunk = false;

  const noteTiming = (events: LlmStreamEvent[]): void => {
    if (firstTokenAt !== undefined) return;
    for (const e of events) {
      if (e.type === 'text' || e.type === 'tool_use.start') {
        firstTokenAt = now();
        return;
      }
    }
  };

  const handleJson = (text: string, sseEvent: string | undefined, out: LlmStreamEvent[]): void => {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      if (sseEvent === 'error') state.setError(text.slice(0, 500), undefined, out);
      else state.setError(`malformed stream message: ${text.slice(0, 120)}`, 'malformed', out);
      return;
    }
    handler.onStreamMessage(data, sseEvent, out);
  };

  let sawSseData = false;
  let oversizeNoted = false;
  const parseBodyInto = (bytes: Uint8Array, out: LlmStreamEvent[]): boolean => {
    let data: unknown;
    try {
      data = JSON.parse(decoder.decode(bytes));
    } catch {
      return false; // not JSON either: the caller treats the bytes as a cut-off event
    }
    handler.onBody(data, out);
    return true;
  };

  const onSseFrame = (f: SseFrame): LlmFrame => {
    const events: LlmStreamEvent[] = [];
    if (f.oversize) {
      if (!oversizeNoted) state.setError('a stream event larger than the parser cap passed unparsed', 'oversize', events);
      oversizeNoted = true;
    } else if (f.data !== '') {
      sawSseData = true;
      if (f.data.trim() === '[DONE]') handler.onDoneSentinel(events);
      else handleJson(f.data, f.event, events);
    }
    noteTiming(events);
    return { raw: f.raw, events };
  };

  const setup = (m: Mode): void => {
    mode = m;
    if (m === 'sse') sse = createSseFramer();
    else if (m === 'json-array') jsonArray = createJsonArrayFramer();
    else if (m === 'eventstream') eventStream = createEventStreamFramer();
  };

  // Bedrock: an event's payload is the event JSON (ConverseStream, named by :event-type),
  // or {"bytes": base64 of the model vendor's own event} (InvokeModelWithResponseStream).
  const onEventStreamMessage = (m: EventStreamMessage): LlmFrame => {
    const events: LlmStreamEvent[] = [];
    const kind = m.headers[':message-type'];
    const text = decoder.decode(m.payload);
    if (m.corrupt) {
      state.setError('corrupt event-stream message', 'malformed', events);
    } else if (kind === 'exception' || kind === 'error') {
      let message = text;
      try {
        const parsed = JSON.parse(text) as { message?: unknown; Message?: unknown };
        message = String(parsed.message ?? parsed.Message ?? text);
      } catch {
        // the payload is not JSON: keep it as the message
      }
      const type = m.headers[':exception-type'] ?? m.headers[':error-code'];
      state.setError(message.slice(0, 500), typeof type === 'string' ? type : undefined, events);
    } else if (text !== '') {
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        state.setError(`malformed stream message: ${text.slice(0, 120)}`, 'malformed', events);
        return { raw: m.raw, events };
      }
      const bytes = (data as { bytes?: unknown } | null)?.bytes;
      if (typeof bytes === 'string') handleJson(Buffer.from(bytes, 'base64').toString('utf8'), undefined, events);
      else handler.onStreamMessage(data, typeof m.headers[':event-type'] === 'string' ? m.headers[':event-type'] : undefined, events);
    }
    noteTiming(events);
    return { raw: m.raw, events };
  };

  if (mode !== undefined) setup(mode);

  const feed = (chunk: Uint8Array): LlmFrame[] => {
    switch (mode) {
      case 'sse':
        return sse!.push(chunk).map(onSseFrame);
      case 'json-array':
        return jsonArray!.push(chunk).map((f) => {
          const events: LlmStreamEvent[] = [];
          if (f.element !== undefined) handleJson(f.element, undefined, events);
          if (f.closed) arrayClosed = true;
          if (f.oversize && !oversizeNoted) {
            oversizeNoted = true;
            state.setError('a stream element larger than the parser cap passed unparsed', 'oversize', events);
          }
          noteTiming(events);
          return { raw: f.raw, events };
        });
      case 'eventstream':
        return eventStream!.push(chunk).map(onEventStreamMessage);
      case 'ndjson': {
        const frames: LlmFrame[] = [];
        let start = 0;
        for (let i = 0; i < chunk.length; i++) {
          if (chunk[i] !== 0x0a) continue;
          ndjsonBuf.push(chunk.subarray(start, i + 1));
          const raw = concat(ndjsonBuf);
          ndjsonBuf = [];
          start = i + 1;
          const line = decoder.decode(raw).trim();
          const events: LlmStreamEvent[] = [];
          if (line !== '') handleJson(line, undefined, events);
          noteTiming(events);
          frames.push({ raw, events });
        }
        if (start < chunk.length) ndjsonBuf.push(chunk.slice(start));
        let pending = 0;
        for (const b of ndjsonBuf) pending += b.length;
        if (pending > MAX_PENDING) {
          // A line this long is not a chat message: pass it on rather than hold the stream.
          const events: LlmStreamEvent[] = [];
          if (!oversizeNoted) state.setError('a stream line larger than the parser cap passed unparsed', 'oversize', events);
          oversizeNoted = true;
          frames.push({ raw: concat(ndjsonBuf), events });
          ndjsonBuf = [];
        }
        return frames;
      }
      default: {
        // A plain body passes through at once; it is parsed whole at the end.
        if (!oversize) {
          bodyBytes += chunk.length;
          if (bodyBytes > maxBody) {
            oversize = true;
            bodyChunks = [];
          } else {
            bodyChunks.push(chunk);
          }
        }
        return [{ raw: chunk, events: [] }];
      }
    }
  };

  return {
    push(chunk) {
      if (chunk.length === 0) return [];
      if (mode === undefined) {
        let i = 0;
        while (i < chunk.length && isSpace(chunk[i])) i++;
        if (i === chunk.length) {
          pendingPrefix.push(chunk.slice());
          return [];
        }
        const b = chunk[i];
        if (b === 0x5b /* [ */) setup('json-array');
        else if (b === 0x7b /* { */) setup(opts.stream && opts.ndjsonWhenStreaming ? 'ndjson' : 'body');
        else setup('sse');
        if (pendingPrefix.length > 0) {
          chunk = concat([...pendingPrefix, chunk]);
          pendingPrefix = [];
        }
      }
      return feed(chunk);
    },

    end() {
      const frames: LlmFrame[] = [];
      const tail: LlmStreamEvent[] = [];
      if (mode === undefined && pendingPrefix.length > 0) {
        frames.push({ raw: concat(pendingPrefix), events: [] });
        pendingPrefix = [];
      }
      if (mode === 'sse' && sse) {
        const { rest } = sse.end();
        if (rest.length > 0) {
          // An event cut off before its blank line: read what it holds, leniently.
          const f = parseSseBlock(rest);
          const first = rest.findIndex((b) => !isSpace(b));
          if (!sawSseData && first >= 0 && rest[first] === 0x7b /* { */ && parseBodyInto(rest, tail)) {
            // Not SSE at all: a JSON error body sent with an event-stream content type.
            frames.push({ raw: rest, events: [] });
          } else if (f.data !== '' && hasLineEnd(rest)) {
            frames.push(onSseFrame(f));
          } else {
            frames.push({ raw: rest, events: [] });
            if (rest.some((b) => !isSpace(b))) leftoverJunk = true;
          }
        }
      } else if (mode === 'json-array' && jsonArray) {
        const { rest } = jsonArray.end();
        if (rest.length > 0) {
          frames.push({ raw: rest, events: [] });
          if (rest.some((b) => !isSpace(b))) leftoverJunk = true;
        }
      } else if (mode === 'eventstream' && eventStream) {
        const { rest } = eventStream.end();
        if (rest.length > 0) {
          frames.push({ raw: rest, events: [] });
          leftoverJunk = true;
        }
      } else if (mode === 'ndjson' && ndjsonBuf.length > 0) {
        const raw = concat(ndjsonBuf);
        ndjsonBuf = [];
        const line = decoder.decode(raw).trim();
        const events: LlmStreamEvent[] = [];
        if (line !== '') handleJson(line, undefined, events);
        frames.push({ raw, events });
      } else if (mode === 'body' && !oversize) {
        const text = decoder.decode(concat(bodyChunks));
        bodyChunks = [];
        try {
          handler.onBody(JSON.parse(text), tail);
        } catch (err) {
          if (!(err instanceof SyntaxError)) throw err;
          state.setError(text.trim() === '' ? 'empty response body' : 'response body is not valid JSON', 'malformed', tail);
          leftoverJunk = true;
        }
      }
      handler.finish(tail);
      noteTiming(tail);
      if (tail.length > 0) {
        const last = frames[frames.length - 1];
        if (last) last.events.push(...tail);
        else frames.push({ raw: EMPTY, events: tail });
      }
      for (const f of frames) noteTiming(f.events);

      const complete = handler.complete() && (mode !== 'json-array' || arrayClosed);
      const summary = state.toSummary(!oversize && (leftoverJunk || !complete));
      if (oversize) summary.oversize = true;
      if (firstTokenAt !== undefined) summary.firstTokenAt = firstTokenAt;
      return { frames, summary };
    },
  };
}

function hasLineEnd(raw: Uint8Array): boolean {
  const last = raw[raw.length - 1];
  return last === 0x0a || last === 0x0d;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
