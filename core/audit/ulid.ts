import { randomFillSync } from 'node:crypto';

/**
 * ULIDs (https://github.com/ulid/spec): 48-bit millisecond time + 80 random bits in
 * Crockford base32, 26 characters, sorting by time as plain strings. Within one
 * millisecond the random part is incremented so ids from one process stay strictly
 * increasing (the spec's monotonic mode).
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_MAX = (1n << 80n) - 1n;

let lastTime = -1;
let lastRandom = 0n;

// Random bytes are drawn from the OS in blocks: one call per event cost about 1 % of the
// proxy's time under load (bench/RESULTS.md). Each id still takes 80 fresh bits.
const POOL = Buffer.alloc(10 * 128);
let poolAt = POOL.length;

function random80(): bigint {
  if (poolAt === POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const hex = POOL.toString('hex', poolAt, poolAt + 10);
  poolAt += 10;
  return BigInt(`0x${hex}`);
}

export function ulid(now: number = Date.now()): string {
  let random: bigint;
  if (now === lastTime && lastRandom < RANDOM_MAX) {
    random = lastRandom + 1n;
  } else {
    random = random80();
  }
  lastTime = now;
  lastRandom = random;
  return encode(BigInt(now), 10) + encode(random, 16);
}

function encode(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/** The millisecond time encoded in a ULID. */
export function ulidTime(id: string): number {
  let t = 0;
  for (const ch of id.slice(0, 10).toUpperCase()) t = t * 32 + ALPHABET.indexOf(ch);
  return t;
}
