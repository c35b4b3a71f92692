import type { Database } from '../audit/database.js';

/** A per-client metric counted in fixed buckets (a minute, an hour) with a running baseline. */
export interface MetricState {
  bucket: number;
  /** Count in the open bucket. */
  current: number;
  /** Exponentially weighted mean of closed buckets (the baseline). */
  ewma: number;
  /** Closed buckets behind the baseline. */
  samples: number;
  /** Bucket a spike was last reported for (in memory: one report per bucket). */
  reported?: number;
}

const ALPHA = 0.1;

/**
 * Baselines kept in SQLite (anomaly_baselines) behind a cache: bump() changes the cache,
 * flush() writes what changed (the monitor flushes in each batch's transaction, so a
 * batch of a thousand events costs one write per client and metric, not one per event).
 * Buckets count *active* periods only (a minute in which the client did something): an
 * idle night does not drag the baseline to zero and make the first busy minute of the day
 * look like a spike.
 */
export class Baselines {
  private readonly cache = new Map<string, MetricState>();
  private readonly dirty = new Map<string, { client: string; metric: string; state: MetricState }>();
  private readonly load;
  private readonly save;

  constructor(db: Database) {
    this.load = db.prepare('SELECT bucket, current, ewma, samples FROM anomaly_baselines WHERE client = ? AND metric = ?');
    this.save = db.prepare(
      `INSERT INTO anomaly_baselines (client, metric, bucket, current, ewma, samples) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(client, metric) DO UPDATE SET bucket = excluded.bucket, current = excluded.current, ewma = excluded.ewma, samples = excluded.samples`,
    );
  }

  /** Adds `inc` to the client's metric in `bucket`, closing older buckets into the baseline first. */
  bump(client: string, metric: string, bucket: number, inc: number): MetricState {
    const key = `${client}\u0000${metric}`;
    let s = this.cache.get(key);
    if (!s) {
      s = (this.load.get(client, metric) as MetricState | undefined) ?? { bucket, current: 0, ewma: 0, samples: 0 };
      this.cache.set(key, s);
    }
    if (bucket > s.bucket) {
      // The open bucket was touched (that is how it exists), so it is a sample even at 0:
      // a busy minute without errors is what an error baseline is made of.
      s.ewma = s.samples === 0 ? s.current : s.ewma + ALPHA * (s.current - s.ewma);
      s.samples += 1;
      s.bucket = bucket;
      s.current = 0;
    }
    // An event older than the open bucket (a late writer) still counts, in the open bucket.
    s.current += inc;
    this.dirty.set(key, { client, metric, state: s });
    return s;
  }

  /** Writes every state bumped since the last flush. */
  flush(): void {
    for (const { client, metric, state: s } of this.dirty.values()) this.save.run(client, metric, s.bucket, s.current, s.ewma, s.samples);
    this.dirty.clear();
  }

  /** Drops the cache (the batch it held was rolled back): states are read again from the database. */
  forget(): void {
    this.cache.clear();
    this.dirty.clear();
  }
}
