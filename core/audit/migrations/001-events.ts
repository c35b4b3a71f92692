import type { Migration } from './index.js';

/**
 * The audit events table. `seq` is the hash-chain position (gap-free, assigned inside the
 * write transaction); the filterable fields of AuditEvent get their own columns so the
 * dashboard's views are index lookups; `links` and `data` are JSON text.
 * `audit_chain` keeps the last committed head so a truncated tail is detectable too, and
 * the base the chain starts from after retention pruned old events.
 */
export const eventsMigration: Migration = {
  version: 1,
  name: 'events',
  up(db) {
    db.exec(`
      CREATE TABLE events (
        seq         INTEGER PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        time        TEXT NOT NULL,
        type        TEXT NOT NULL,
        protocol    TEXT NOT NULL,
        transport   TEXT NOT NULL,
        client      TEXT NOT NULL,
        provider    TEXT,
        server      TEXT,
        tool        TEXT,
        model       TEXT,
        method      TEXT,
        host        TEXT,
        path        TEXT,
        status      INTEGER,
        latency_ms  REAL,
        bytes_in    INTEGER,
        bytes_out   INTEGER,
        decision    TEXT NOT NULL,
        decided_by  TEXT,
        rule        TEXT,
        risk        TEXT,
        error       TEXT,
        session     TEXT,
        links       TEXT,
        data        TEXT NOT NULL,
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL
      );
      CREATE INDEX events_time ON events(time);
      CREATE INDEX events_client_seq ON events(client, seq);
      CREATE INDEX events_type_seq ON events(type, seq);
      CREATE INDEX events_decision_seq ON events(decision, seq);
      CREATE INDEX events_session ON events(session) WHERE session IS NOT NULL;

      CREATE TABLE audit_chain (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        seq        INTEGER NOT NULL,
        hash       TEXT NOT NULL,
        -- When old events are pruned (retention), the chain restarts from the last
        -- pruned event: its seq and hash, so verify still checks the first kept link.
        base_seq   INTEGER NOT NULL DEFAULT 0,
        base_hash  TEXT NOT NULL DEFAULT '${'0'.repeat(64)}'
      );
    `);
  },
};
