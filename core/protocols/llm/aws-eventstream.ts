/**
 * AWS event-stream framing (`application/vnd.amazon.eventstream`), used by Bedrock's
 * ConverseStream and InvokeModelWithResponseStream instead of SSE.
 *
 * Each message: total length (u32 BE), headers length (u32 BE), prelude CRC32, headers
 * (name length u8, name, type u8, value), payload, message CRC32. Like the SSE framer,
 * every byte lands in exactly one frame (or in `rest` at the end).
 */
import { ByteBuffer } from '../byte-buffer.js';

export interface EventStreamMessage {
  raw: Uint8Array;
  headers: Record<string, string | number | boolean>;
  payload: Uint8Array;
  /** Set when the message's CRCs do not match (the bytes are still passed on). */
  corrupt?: true;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE), as zlib computes it; Node 20's zlib has no crc32(). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Messages larger than this are not framed. With the prelude CRC checked first, a bogus
 * length is caught at once; this only bounds what a valid message may make us hold.
 */
const MAX_MESSAGE = 4 * 1024 * 1024;
const decoder = new TextDecoder('utf-8');

function readHeaders(view: DataView, bytes: Uint8Array, start: number, end: number): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  let p = start;
  while (p < end) {
    const nameLen = bytes[p++];
    const name = decoder.decode(bytes.subarray(p, p + nameLen));
    p += nameLen;
    const type = bytes[p++];
    switch (type) {
      case 0:
        out[name] = true;
        break;
      case 1:
        out[name] = false;
        break;
      case 2:
        out[name] = view.getInt8(p);
        p += 1;
        break;
      case 3:
        out[name] = view.getInt16(p);
        p += 2;
        break;
      case 4:
        out[name] = view.getInt32(p);
        p += 4;
        break;
      case 5:
      case 8:
        out[name] = Number(view.getBigInt64(p));
        p += 8;
        break;
      case 6:
      case 7: {
        const len = view.getUint16(p);
        p += 2;
        out[name] = type === 7 ? decoder.decode(bytes.subarray(p, p + len)) : `<${len} bytes>`;
        p += len;
        break;
      }
      case 9:
        p += 16;
        break;
      default:
        return out; // unknown header type: stop reading headers rather than misread
    }
  }
  return out;
}

export function createEventStreamFramer(): {
  push(chunk: Uint8Array): EventStreamMessage[];
  end(): { rest: Uint8Array; broken: boolean };
} {
  const pending = new ByteBuffer(4096);
  let broken = false; // a length we cannot trust: pass everything through unframed

  return {
    push(chunk) {
      if (broken) return [{ raw: chunk.slice(), headers: {}, payload: new Uint8Array(0), corrupt: true }];
      pending.append(chunk);
      const buf = pending.bytes;
      const len = pending.length;
      const out: EventStreamMessage[] = [];
      let p = 0;
      while (len - p >= 12) {
        const view = new DataView(buf.buffer, buf.byteOffset + p);
        const total = view.getUint32(0);
        const headersLen = view.getUint32(4);
        const preludeOk = view.getUint32(8) === crc32(buf.subarray(p, p + 8));
        if (!preludeOk || total < 16 || total > MAX_MESSAGE || headersLen > total - 16) {
          // Not (or no longer) an event stream: never hold bytes on a length we cannot trust.
          broken = true;
          out.push({ raw: buf.slice(p, len), headers: {}, payload: new Uint8Array(0), corrupt: true });
          p = len;
          break;
        }
        if (len - p < total) break;
        const raw = buf.slice(p, p + total);
        const rawView = new DataView(raw.buffer);
        const msg: EventStreamMessage = {
          raw,
          headers: readHeaders(rawView, raw, 12, 12 + headersLen),
          payload: raw.subarray(12 + headersLen, total - 4),
        };
        if (rawView.getUint32(total - 4) !== crc32(raw.subarray(0, total - 4))) msg.corrupt = true;
        out.push(msg);
        p += total;
      }
      pending.discard(p);
      return out;
    },
    end() {
      return { rest: pending.takeAll(), broken };
    },
  };
}

/** Encodes one message with string headers; used for Belay's own refusal event and in tests. */
export function encodeEventStreamMessage(headers: Record<string, string>, payload: Uint8Array): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let headersLen = 0;
  for (const [name, value] of Object.entries(headers)) {
    const n = enc.encode(name);
    const v = enc.encode(value);
    const h = new Uint8Array(1 + n.length + 1 + 2 + v.length);
    h[0] = n.length;
    h.set(n, 1);
    h[1 + n.length] = 7;
    new DataView(h.buffer).setUint16(2 + n.length, v.length);
    h.set(v, 4 + n.length);
    parts.push(h);
    headersLen += h.length;
  }
  const total = 12 + headersLen + payload.length + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headersLen);
  view.setUint32(8, crc32(out.subarray(0, 8)));
  let p = 12;
  for (const h of parts) {
    out.set(h, p);
    p += h.length;
  }
  out.set(payload, p);
  view.setUint32(total - 4, crc32(out.subarray(0, total - 4)));
  return out;
}
