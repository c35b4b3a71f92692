import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalEvent, canonicalJson, chainHash } from '../../../core/audit/canonical.js';
import { scrubValue } from '../../../core/audit/redact.js';
import { ulid, ulidTime } from '../../../core/audit/ulid.js';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys at every depth, drops undefined members, writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"z":1}]},"b":1}');
  });

  it('writes numbers and strings as ECMAScript does (RFC 8785 test values)', () => {
    expect(canonicalJson([1e21, 1e-7, -0, 0.1 + 0.2, 333333333.33333329, 9007199254740993])).toBe('[1e+21,1e-7,0,0.30000000000000004,333333333.3333333,9007199254740992]');
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '1': 3, é: 4 })).toBe('{"\\r":2,"1":3,"é":4,"€":1}');
    expect(canonicalJson('\u2028"\\\u0007')).toBe('"\u2028\\"\\\\\\u0007"');
  });

  // canonicalJson takes a native JSON.stringify shortcut when a value is already in
  // canonical order (as the audit scrub leaves it): it must never change the output.
  it('writes the same as a plain RFC 8785 reference for any JSON value, sorted or not, scrubbed or not', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 5 }),
      // Keys include integer-like ones ("10" before "9" in RFC 8785, after it in JavaScript).
      object: fc.dictionary(fc.oneof(fc.string(), fc.nat().map(String), fc.constantFrom('a', 'b', '__proto__x', '€', '\r')), tie('value'), { maxKeys: 6 }),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
        expect(canonicalJson(scrubValue(value))).toBe(reference(scrubValue(value)));
      }),
      { numRuns: 2000 },
    );
  });

  it('canonicalEvent leaves out seq and the chain fields, and absent fields', () => {
    const e = { id: 'X', seq: 9, time: 't', type: 'http', protocol: 'http', transport: 'proxy', client: 'curl', decision: 'allow', data: {}, prevHash: 'p', hash: 'h', tool: undefined } as never;
    expect(canonicalEvent(e)).toBe('{"client":"curl","data":{},"decision":"allow","id":"X","protocol":"http","time":"t","transport":"proxy","type":"http"}');
  });

  it('chainHash is sha256(prevHash + canonical) in hex', () => {
    const e = { id: 'X', time: 't', type: 'http', protocol: 'http', transport: 'proxy', client: 'curl', decision: 'allow', data: { n: 1 } } as never;
    const expected = createHash('sha256').update(GENESIS_HASH + canonicalEvent(e)).digest('hex');
    expect(chainHash(GENESIS_HASH, e)).toBe(expected);
  });
});

describe('ulid', () => {
  it('is 26 Crockford characters, carries its time, and sorts in creation order within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => ulid(1_700_000_000_000));
    expect(ids[0]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(ulidTime(ids[0])).toBe(1_700_000_000_000);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });

  it('encodes any time to the millisecond, a fractional one included', () => {
    for (const t of [0, 1, 1_700_000_000_000.7, 2 ** 48 - 1]) {
      const id = ulid(t);
      expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(ulidTime(id)).toBe(Math.floor(t));
    }
  });
});

/** RFC 8785 written out plainly: keys sorted by UTF-16 code units at every depth. */
function reference(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
}
