import type { Migration } from './index.js';

/**
 * Least privilege for copilots (issue 9): brokered keys, anomaly baselines and alerts.
 *
 * - `broker_keys`: one row per key the user stored through `belay keys add`. Only the
 *   key's *metadata* lives here (allowed hosts and clients, expiry, budget, revocation,
 *   which secret store holds it, the last 4 characters for display). The key value is
 *   only ever in the secret store. `version` grows on rotate, so every process's cached
 *   value is dropped at once.
 * - `broker_usage`: per key and UTC day, requests, tokens and cost (for daily budgets).
 * - `anomaly_clients` / `anomaly_seen` / `anomaly_baselines`: per-client first sight,
 *   hosts and tools seen, and the running baselines (EWMA per metric).
 * - `anomaly_state`: the detector's cursor (last audit seq read), so a restart resumes.
 * - `alerts`: one row per alert condition and window, with a repeat count and the
 *   acknowledgement; the alert itself is also an audit event (so it reaches the SIEM).
 */
export const leastPrivilegeMigration: Migration = {
  version: 6,
  name: 'least-privilege',
  up(db) {
    db.exec(`
      CREATE TABLE broker_keys (
        name         TEXT PRIMARY KEY,
        store        TEXT NOT NULL,
        hosts        TEXT NOT NULL,
        clients      TEXT NOT NULL,
        expires_at   INTEGER,
        budget_usd   REAL,
        budget_tokens INTEGER,
        revoked_at   INTEGER,
        created_at   INTEGER NOT NULL,
        rotated_at   INTEGER,
        last_used_at INTEGER,
        last4        TEXT,
        version      INTEGER NOT NULL DEFAULT 1
      );

      CREATE TABLE broker_usage (
        name     TEXT NOT NULL,
        day      TEXT NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        tokens   INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (name, day)
      );

      CREATE TABLE anomaly_clients (
        client     TEXT PRIMARY KEY,
        first_seen INTEGER NOT NULL
      );

      CREATE TABLE anomaly_seen (
        client     TEXT NOT NULL,
        kind       TEXT NOT NULL,
        value      TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen  INTEGER NOT NULL,
        count      INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (client, kind, value)
      );

      CREATE TABLE anomaly_baselines (
        client     TEXT NOT NULL,
        metric     TEXT NOT NULL,
        bucket     INTEGER NOT NULL,
        current    REAL NOT NULL DEFAULT 0,
        ewma       REAL NOT NULL DEFAULT 0,
        samples    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (client, metric)
      );

      CREATE TABLE anomaly_state (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        last_seq INTEGER NOT NULL
      );

      CREATE TABLE alerts (
        id          TEXT PRIMARY KEY,
        condition   TEXT NOT NULL,
        kind        TEXT NOT NULL,
        client      TEXT NOT NULL,
        subject     TEXT,
        message     TEXT NOT NULL,
        severity    TEXT NOT NULL,
        first_at    INTEGER NOT NULL,
        last_at     INTEGER NOT NULL,
        window_ends INTEGER NOT NULL,
        count       INTEGER NOT NULL DEFAULT 1,
        event_id    TEXT,
        summarized  INTEGER NOT NULL DEFAULT 0,
        acked_at    INTEGER,
        acked_by    TEXT
      );
      CREATE INDEX alerts_condition ON alerts (condition, window_ends);
      CREATE INDEX alerts_open ON alerts (acked_at, last_at);
    `);
  },
};
