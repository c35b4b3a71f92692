/**
 * The growable byte buffer the stream framers (SSE, JSON array, AWS event-stream) share:
 * bytes arrive in chunks of any size, the framer scans what has arrived, hands whole
 * frames out and keeps the unfinished tail. Capacity doubles, so appends are amortised
 * O(1) and a frame that arrives in many small chunks is not re-copied on every push.
 */
export class ByteBuffer {
  /** Backing store; only [0, length) is data, the rest is stale capacity. Replaced when it grows. */
  bytes: Uint8Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.bytes = new Uint8Array(initialCapacity);
  }

  append(chunk: Uint8Array): void {
    const needed = this.length + chunk.length;
    if (needed > this.bytes.length) {
      let cap = this.bytes.length * 2;
      while (cap < needed) cap *= 2;
      const bigger = new Uint8Array(cap);
      bigger.set(this.bytes.subarray(0, this.length));
      this.bytes = bigger;
    }
    this.bytes.set(chunk, this.length);
    this.length = needed;
  }

  /** Drops the first `n` bytes (handed out in frames); the rest moves to the start. */
  discard(n: number): void {
    if (n <= 0) return;
    this.bytes.copyWithin(0, n, this.length);
    this.length -= n;
  }

  /** A copy of every byte not handed out yet; the buffer is left empty. */
  takeAll(): Uint8Array {
    const rest = this.bytes.slice(0, this.length);
    this.length = 0;
    return rest;
  }
}
