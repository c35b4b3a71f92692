import type { Migration } from './index.js';

/**
 * The MCP inventory: per client, the servers it talks to and the tools each exposes.
 *
 * - `mcp_servers`: one row per (client, server); what the server said about itself on
 *   initialize, first/last seen.
 * - `mcp_tools`: one row per (client, server, tool): `pin` is the approved version (the
 *   first one seen, or the one the user accepted), `latest_pin` the one last listed; they
 *   differ while a change waits for the user. Call counts live here.
 * - `mcp_tool_versions`: every distinct version ever seen (by pin), description, schema
 *   and annotations kept, so a change can always be shown against what was approved.
 */
export const inventoryMigration: Migration = {
  version: 3,
  name: 'inventory',
  up(db) {
    db.exec(`
      CREATE TABLE mcp_servers (
        client           TEXT NOT NULL,
        server           TEXT NOT NULL,
        name             TEXT,
        version          TEXT,
        title            TEXT,
        protocol_version TEXT,
        transport        TEXT,
        first_seen       INTEGER NOT NULL,
        last_seen        INTEGER NOT NULL,
        PRIMARY KEY (client, server)
      );

      CREATE TABLE mcp_tools (
        client       TEXT NOT NULL,
        server       TEXT NOT NULL,
        tool         TEXT NOT NULL,
        pin          TEXT NOT NULL,
        latest_pin   TEXT NOT NULL,
        first_seen   INTEGER NOT NULL,
        last_seen    INTEGER NOT NULL,
        calls        INTEGER NOT NULL DEFAULT 0,
        last_called  INTEGER,
        approved_at  INTEGER,
        PRIMARY KEY (client, server, tool)
      );

      CREATE TABLE mcp_tool_versions (
        client       TEXT NOT NULL,
        server       TEXT NOT NULL,
        tool         TEXT NOT NULL,
        pin          TEXT NOT NULL,
        title        TEXT,
        description  TEXT NOT NULL,
        input_schema TEXT NOT NULL,
        annotations  TEXT NOT NULL,
        first_seen   INTEGER NOT NULL,
        last_seen    INTEGER NOT NULL,
        PRIMARY KEY (client, server, tool, pin)
      );
    `);
  },
};
