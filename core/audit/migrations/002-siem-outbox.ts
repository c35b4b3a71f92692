import type { Migration } from './index.js';

/**
 * The SIEM outbox lives in the audit database, so an event and its forwarding state sit
 * in the same file and survive the same crashes.
 *
 * - `siem_outbox`: one row per destination. `last_acked_seq` is the cursor over
 *   events.seq; it only moves forward, and only after the destination acknowledged
 *   (or after a drop/rejection that is counted here and reported). Retry state
 *   (attempts, next_attempt_at, last error) is persisted so backoff survives restarts.
 * - `siem_rejected`: the last events a destination refused for good (e.g. an Elastic
 *   mapping error), kept so `belay siem status` can say which ones and why.
 * Retention's prune point (the seq and hash the first kept event chains from) is kept
 * in the audit's own `audit_chain.base_seq/base_hash`, which `belay log verify` reads.
 */
export const siemOutboxMigration: Migration = {
  version: 2,
  name: 'siem-outbox',
  up(db) {
    db.exec(`
      CREATE TABLE siem_outbox (
        destination     TEXT PRIMARY KEY,
        last_acked_seq  INTEGER NOT NULL DEFAULT 0,
        last_success_at INTEGER,
        last_attempt_at INTEGER,
        last_error      TEXT,
        last_error_at   INTEGER,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        sent_total      INTEGER NOT NULL DEFAULT 0,
        dropped_total   INTEGER NOT NULL DEFAULT 0,
        last_drop       TEXT,
        rejected_total  INTEGER NOT NULL DEFAULT 0,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
      );

      CREATE TABLE siem_rejected (
        destination TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        event_id    TEXT NOT NULL,
        reason      TEXT NOT NULL,
        at          INTEGER NOT NULL,
        PRIMARY KEY (destination, seq)
      );
    `);
  },
};
