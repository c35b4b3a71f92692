/**
 * A Map that forgets its oldest entries past a size limit: stateful detectors keep their
 * memory bounded whatever a client sends (each distinct key is one entry at most).
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(readonly limit: number) {}

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    // Re-inserting moves the key to the newest end.
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.limit) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

/** Keeps only the timestamps inside the window and at most `max` of them. */
export function pushWindow(times: number[], now: number, windowMs: number, max: number): number[] {
  const kept = times.filter((t) => now - t < windowMs);
  kept.push(now);
  return kept.length > max ? kept.slice(kept.length - max) : kept;
}
