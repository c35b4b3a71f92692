import type { Migration } from './index.js';

/**
 * Approvals and remembered decisions.
 *
 * - `approvals`: every approval asked, pending or answered, so the CLI and the faces can
 *   list what waits and what was decided. `summary` is the neutralised, secret-free text
 *   shown to the human (JSON); the raw call is never stored here.
 * - `remembered_decisions`: "remember this" answers, by scope (tool, server, exact
 *   arguments) and duration, bound to the tool's pin so a changed tool asks again.
 */
export const approvalsMigration: Migration = {
  version: 4,
  name: 'approvals',
  up(db) {
    db.exec(`
      CREATE TABLE approvals (
        id          TEXT PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        status      TEXT NOT NULL,
        kind        TEXT NOT NULL,
        client      TEXT NOT NULL,
        server      TEXT,
        tool        TEXT,
        risk        TEXT NOT NULL,
        rule        TEXT,
        reason      TEXT,
        summary     TEXT NOT NULL,
        waiters     INTEGER NOT NULL DEFAULT 1,
        decided_at  INTEGER,
        decided_by  TEXT,
        answered_by TEXT,
        remember    TEXT,
        scope       TEXT,
        owner_pid   INTEGER NOT NULL
      );
      CREATE INDEX approvals_status ON approvals (status, created_at);

      CREATE TABLE remembered_decisions (
        id          TEXT PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER,
        decision    TEXT NOT NULL,
        duration    TEXT NOT NULL,
        scope       TEXT NOT NULL,
        kind        TEXT NOT NULL,
        client      TEXT NOT NULL,
        server      TEXT NOT NULL DEFAULT '',
        tool        TEXT NOT NULL DEFAULT '',
        args_hash   TEXT,
        pin         TEXT,
        session     TEXT,
        label       TEXT NOT NULL,
        approval_id TEXT
      );
      CREATE INDEX remembered_lookup ON remembered_decisions (client, kind, server);
    `);
  },
};
