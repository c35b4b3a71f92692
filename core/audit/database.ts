import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { migrations as allMigrations, type Migration } from './migrations/index.js';

export type { Database } from 'better-sqlite3';

export interface OpenDatabaseOptions {
  /** Path to a better_sqlite3.node built for another ABI (the Electron build). */
  nativeBinding?: string;
  readonly?: boolean;
  /** How long a write waits for another process's lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
  /** For tests of the runner itself; defaults to the real migration list. */
  migrations?: Migration[];
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) Belay's SQLite database: WAL so readers never block the
 * writer, a busy timeout so several processes (the guard and every mcp-wrap relay) take
 * turns instead of failing, synchronous=NORMAL (safe with WAL: a power cut can lose the
 * last commits but never corrupts), and every pending migration applied.
 */
export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Database {
  const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (opts.readonly) {
    if (!existsSync(file)) {
      throw new Error(`The audit database ${file} does not exist yet. Start Belay once (belay serve) or check --data-dir.`);
    }
  } else if (file !== ':memory:') {
    prepareFile(file);
  }
  let db: Database;
  try {
    db = new BetterSqlite3(file, {
      readonly: opts.readonly ?? false,
      fileMustExist: opts.readonly ?? false,
      timeout: busyTimeoutMs,
      nativeBinding: opts.nativeBinding,
    });
  } catch (err) {
    throw describeSqliteError(err, file, 'open');
  }
  try {
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (opts.readonly) checkNotNewer(db, file, opts.migrations ?? allMigrations);
    else migrate(db, file, opts.migrations ?? allMigrations);
  } catch (err) {
    db.close();
    throw describeSqliteError(err, file, 'prepare');
  }
  return db;
}

/** The folder is 0700 and the file 0600 before SQLite touches them: the log may hold prompts. */
function prepareFile(file: string): void {
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!existsSync(file)) {
      closeSync(openSync(file, 'a', 0o600));
      // openSync's mode is masked by the umask; make sure.
      chmodSync(file, 0o600);
    }
  } catch (err) {
    throw new Error(`Cannot create the audit database ${file}: ${(err as Error).message}. Check that the data folder is writable (or pass --data-dir).`, { cause: err });
  }
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`;

/**
 * Applies every migration not yet recorded, each in its own BEGIN IMMEDIATE transaction
 * (so two processes starting at once do not both apply it: the second one re-reads the
 * table under the lock and skips). A table of applied versions rather than a single
 * user_version number, because areas land their numbered migrations out of order.
 */
export function migrate(db: Database, file: string, migrations: Migration[] = allMigrations): void {
  db.exec(MIGRATIONS_TABLE);
  checkNotNewer(db, file, migrations);
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of sorted) {
    if (isApplied.get(m.version)) continue;
    const apply = db.transaction(() => {
      if (isApplied.get(m.version)) return;
      m.up(db);
      record.run(m.version, m.name, new Date().toISOString());
      db.pragma(`user_version = ${Math.max(m.version, Number(db.pragma('user_version', { simple: true })))}`);
    });
    apply.immediate();
  }
}

function checkNotNewer(db: Database, file: string, migrations: Migration[]): void {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!hasTable) return;
  const known = new Set(migrations.map((m) => m.version));
  const maxKnown = Math.max(0, ...known);
  const unknown = (db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[])
    .filter((r) => !known.has(r.version) && r.version > maxKnown);
  if (unknown.length > 0) {
    const names = unknown.map((r) => `${r.version} ${r.name}`).join(', ');
    throw new DatabaseError(
      `The audit database ${file} was written by a newer Belay (schema ${names}; this Belay knows up to ${maxKnown}). Update Belay, or point --data-dir at another folder.`,
      'newer-schema',
    );
  }
}

export type DatabaseErrorKind = 'locked' | 'disk-full' | 'read-only' | 'corrupt' | 'cannot-open' | 'newer-schema' | 'other';

/** A database failure worded for the person who has to fix it; `kind` is for code. */
export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly kind: DatabaseErrorKind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

/** Turns SQLite's terse codes into an error that says what happened and what to do. */
export function describeSqliteError(err: unknown, file: string, doing: string): Error {
  if (err instanceof DatabaseError) return err;
  const code = (err as { code?: string }).code ?? '';
  const raw = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new DatabaseError(
      `The audit database ${file} is locked by another process (could not ${doing} it before the busy timeout). Another program may hold a long transaction on it (a sqlite3 shell?); close it and retry.`,
      'locked',
      { cause: err },
    );
  }
  if (code.startsWith('SQLITE_FULL')) {
    return new DatabaseError(`The disk holding the audit database ${file} is full (could not ${doing} it). Free some space; pending events are kept and retried.`, 'disk-full', { cause: err });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new DatabaseError(`The audit database ${file} is read-only for this user (could not ${doing} it). Check its owner and permissions.`, 'read-only', { cause: err });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
    return new DatabaseError(`The audit database ${file} is damaged or not a database (${raw}). Move it aside to start a new log; keep it for investigation.`, 'corrupt', { cause: err });
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new DatabaseError(`Cannot open the audit database ${file} (${raw}). Check the data folder exists and is writable.`, 'cannot-open', { cause: err });
  }
  return new DatabaseError(`Audit database ${file}: could not ${doing} it: ${raw}`, 'other', { cause: err });
}
