import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSseFramer, type SseFrame } from '../../../../core/protocols/sse-framer.js';
import { chunked } from '../../../helpers/llm-fixtures.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function frameAll(chunks: Uint8Array[]): { frames: SseFrame[]; rest: Uint8Array } {
  const f = createSseFramer();
  const frames: SseFrame[] = [];
  for (const c of chunks) frames.push(...f.push(c));
  const end = f.end();
  return { frames: [...frames, ...end.frames], rest: end.rest };
}

const concatRaw = (r: { frames: SseFrame[]; rest: Uint8Array }): string => r.frames.map((f) => dec.decode(f.raw)).join('') + dec.decode(r.rest);

describe('createSseFramer', () => {
  it('splits events on blank lines and keeps each event\'s exact bytes', () => {
    const input = 'event: message_start\ndata: {"a":1}\n\n: ping\n\ndata: x\n\n';
    const r = frameAll([enc.encode(input)]);
    expect(r.frames.map((f) => dec.decode(f.raw))).toEqual(['event: message_start\ndata: {"a":1}\n\n', ': ping\n\n', 'data: x\n\n']);
    expect(r.frames[0]).toMatchObject({ event: 'message_start', data: '{"a":1}' });
    expect(r.frames[1]).toMatchObject({ data: '', comment: 'ping' });
    expect(r.rest.length).toBe(0);
  });

  it('joins multi-line data with \\n and reads id and retry', () => {
    const r = frameAll([enc.encode('id: 42\nretry: 3000\ndata: line one\ndata:line two\ndata\n\n')]);
    expect(r.frames[0]).toMatchObject({ id: '42', retry: 3000, data: 'line one\nline two\n' });
  });

  it('accepts CRLF and lone CR line endings', () => {
    const r = frameAll([enc.encode('data: a\r\n\r\ndata: b\r\rdata: c\n\n')]);
    expect(r.frames.map((f) => f.data)).toEqual(['a', 'b', 'c']);
    expect(concatRaw(r)).toBe('data: a\r\n\r\ndata: b\r\rdata: c\n\n');
  });

  it('hands out an event ending in CR at once, and puts a following LF in the next frame', () => {
    const f = createSseFramer();
    const first = f.push(enc.encode('data: a\r\r'));
    expect(first.map((x) => x.data)).toEqual(['a']);
    const second = f.push(enc.encode('\ndata: b\n\n'));
    expect(second.map((x) => x.data)).toEqual(['b']);
    expect(dec.decode(second[0].raw)).toBe('\ndata: b\n\n');
  });

  it('keeps an unfinished event as rest at the end', () => {
    const r = frameAll([enc.encode('data: a\n\ndata: partial')]);
    expect(r.frames.map((f) => f.data)).toEqual(['a']);
    expect(dec.decode(r.rest)).toBe('data: partial');
  });

  it('reassembles a multi-byte character split across chunks', () => {
    const bytes = enc.encode('data: caf\u00e9 \u2615 \u{1F600}\n\n');
    const r = frameAll(chunked(bytes, [1]));
    expect(r.frames[0].data).toBe('caf\u00e9 \u2615 \u{1F600}');
  });

  it('hands on an event larger than the cap in parts, unparsed, and parses the next one', () => {
    const big = 'data: ' + 'x'.repeat(40) + '\n\n';
    const input = enc.encode(big + 'data: small\n\n');
    const f = createSseFramer({ maxEventBytes: 16 });
    const frames = chunked(input, [10]).flatMap((c) => f.push(c));
    expect(frames.filter((x) => x.oversize).length).toBeGreaterThan(1);
    expect(frames.map((x) => dec.decode(x.raw)).join('')).toBe(dec.decode(input));
    expect(frames[frames.length - 1]).toMatchObject({ data: 'small' });
    expect(frames[frames.length - 1].oversize).toBeUndefined();
    // A stream with no event boundary at all is never held beyond the cap.
    const g = createSseFramer({ maxEventBytes: 16 });
    const out = g.push(enc.encode('y'.repeat(100)));
    expect(out.reduce((n, x) => n + x.raw.length, 0)).toBe(100);
  });

  it('refuses push after end', () => {
    const f = createSseFramer();
    f.end();
    expect(() => f.push(enc.encode('data: x\n\n'))).toThrow(/after end/);
  });

  it('property: any chunking gives the same frames and the same bytes', () => {
    const line = fc.constantFrom('data: {"k":"v"}', 'data: caf\u00e9 \u2615', 'event: e', ': ping', 'id: 7', 'data:', 'data: [DONE]');
    const eol = fc.constantFrom('\n', '\r\n', '\r');
    const event = fc.tuple(fc.array(fc.tuple(line, eol), { minLength: 1, maxLength: 4 }), eol).map(([ls, end]) => ls.map(([l, e]) => l + e).join('') + end);
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.string({ maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 5 }), (events, tail, sizes) => {
        const input = enc.encode(events.join('') + tail);
        const whole = frameAll([input]);
        const split = frameAll(chunked(input, sizes));
        expect(concatRaw(split)).toBe(dec.decode(input));
        const fields = (r: typeof whole) => r.frames.map((f) => ({ event: f.event, data: f.data, id: f.id }));
        // A lone CR at a chunk edge may move the following LF into the next frame; fields stay the same.
        expect(fields(split).filter((f) => f.data !== '' || f.event)).toEqual(fields(whole).filter((f) => f.data !== '' || f.event));
      }),
      { numRuns: 300 },
    );
  });
});

describe('createJsonArrayFramer', () => {
  it('passes a giant element on unparsed instead of holding the stream', async () => {
    const { createJsonArrayFramer } = await import('../../../../core/protocols/llm/json-array-framer.js');
    const f = createJsonArrayFramer(32);
    const input = enc.encode('[{"a":1},{"text":"' + 'z'.repeat(100) + '"},{"b":2}]');
    const frames = chunked(input, [7]).flatMap((c) => f.push(c));
    expect(frames[0].element).toBe('{"a":1}');
    expect(frames.some((x) => x.oversize)).toBe(true);
    expect(frames.map((x) => dec.decode(x.raw)).join('') + dec.decode(f.end().rest)).toBe(dec.decode(input));
  });
});
