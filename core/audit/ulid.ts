import { randomFillSync } from 'node:crypto';

/**
 * ULIDs (https://github.com/ulid/spec): 48-bit millisecond time + 80 random bits in
 * Crockford base32, 26 characters, sorting by time as plain strings. Within one
 * millisecond the random part is incremented so ids from one process stay strictly
 * increasing (the spec's monotonic mode).
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
/** The last id's random part as 16 base-32 digits (5 bits each), most significant first. */
const lastRandom = new Uint8Array(16);

// Random bytes are drawn from the OS in blocks: one call per event cost about 1 % of the
// proxy's time under load (bench/RESULTS.md). Each id still takes 80 fresh bits.
const POOL = Buffer.alloc(10 * 128);
let poolAt = POOL.length;

/** 80 fresh random bits into lastRandom: two 40-bit halves of 8 digits each. */
function drawRandom(): void {
  if (poolAt === POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  for (let half = 0; half < 2; half++) {
    let bits = POOL.readUIntBE(poolAt + half * 5, 5); // 40 bits: exact in a double
    for (let i = 7; i >= 0; i--) {
      lastRandom[half * 8 + i] = bits % 32;
      bits = Math.floor(bits / 32);
    }
  }
  poolAt += 10;
}

/** Adds one to the random part; false when it was already the largest value. */
function incrementRandom(): boolean {
  for (let i = 15; i >= 0; i--) {
    if (lastRandom[i] < 31) {
      lastRandom[i] += 1;
      return true;
    }
    lastRandom[i] = 0;
  }
  return false;
}

// Plain numbers, not BigInt: 26 BigInt operations per id were a visible share of the
// audit log's allocations under load.
export function ulid(time: number = Date.now()): string {
  const now = Math.floor(time); // a fractional millisecond would index past the alphabet
  if (now !== lastTime || !incrementRandom()) drawRandom();
  lastTime = now;
  let id = '';
  for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32)) id = ALPHABET[t % 32] + id;
  for (let i = 0; i < 16; i++) id += ALPHABET[lastRandom[i]];
  return id;
}

/** The millisecond time encoded in a ULID. */
export function ulidTime(id: string): number {
  let t = 0;
  for (const ch of id.slice(0, 10).toUpperCase()) t = t * 32 + ALPHABET.indexOf(ch);
  return t;
}
