import type { Database } from 'better-sqlite3';
import { eventsMigration } from './001-events.js';
import { siemOutboxMigration } from './002-siem-outbox.js';
import { inventoryMigration } from './003-inventory.js';
import { approvalsMigration } from './004-approvals.js';
import { leastPrivilegeMigration } from './006-least-privilege.js';
import { usageIndexMigration } from './007-usage-index.js';
import { usageDailyMigration } from './008-usage-daily.js';

/**
 * One schema change. `up` runs inside its own transaction together with the version
 * bump, so a migration either lands whole or not at all.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

/**
 * Every schema change, in order. Numbers are pre-assigned to areas (see the contracts):
 * 1 events (audit), 2 SIEM outbox, 3 inventory, 4 approvals + remembered decisions,
 * 5 settings/kv, 6 anomaly baselines, 7 the usage view's index, 8 its daily totals. Each area adds its own file and one line here.
 */
export const migrations: Migration[] = [
  eventsMigration,
  siemOutboxMigration,
  inventoryMigration,
  approvalsMigration,
  leastPrivilegeMigration,
  usageIndexMigration,
  usageDailyMigration,
];
