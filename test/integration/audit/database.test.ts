import { statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseError, openDatabase } from '../../../core/audit/database.js';
import { migrations, type Migration } from '../../../core/audit/migrations/index.js';
import { belayPaths } from '../../../core/paths.js';

let n = 0;
const fresh = (sub = '') => path.join(belayPaths().home, sub, `db-${n++}.db`);

describe('openDatabase', () => {
  it('creates the folder 0700 and the file 0600, in WAL mode, with every migration applied', () => {
    const file = fresh('nested');
    const db = openDatabase(file);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const applied = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(applied).toEqual(migrations.map((m) => m.version).sort((a, b) => a - b));
    db.close();
  });

  it('applies a migration that lands later with a lower number (areas merge out of order)', () => {
    const file = fresh();
    const log: string[] = [];
    const m = (version: number): Migration => ({ version, name: `m${version}`, up: (db) => { db.exec(`CREATE TABLE t${version} (x)`); log.push(`m${version}`); } });
    openDatabase(file, { migrations: [m(1), m(3)] }).close();
    openDatabase(file, { migrations: [m(1), m(2), m(3)] }).close();
    openDatabase(file, { migrations: [m(1), m(2), m(3)] }).close();
    expect(log).toEqual(['m1', 'm3', 'm2']);
  });

  it('a failing migration leaves nothing half-applied and says which one failed', () => {
    const file = fresh();
    const bad: Migration = { version: 2, name: 'bad', up: (db) => { db.exec('CREATE TABLE half (x)'); throw new Error('boom'); } };
    expect(() => openDatabase(file, { migrations: [migrations[0], bad] })).toThrow(/boom/);
    const raw = new BetterSqlite3(file);
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect(raw.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    raw.close();
  });

  it('refuses a database written by a newer Belay, saying what to do', () => {
    const file = fresh();
    openDatabase(file).close();
    const raw = new BetterSqlite3(file);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')").run();
    raw.close();
    expect(() => openDatabase(file)).toThrow(/written by a newer Belay \(schema 999 future.*Update Belay/);
    expect(() => openDatabase(file, { readonly: true })).toThrow(DatabaseError);
  });

  it('a database locked by another process gives a clear error once the busy timeout runs out', () => {
    const file = fresh();
    const blocker = new BetterSqlite3(file);
    blocker.pragma('journal_mode = WAL');
    blocker.exec('BEGIN EXCLUSIVE');
    try {
      let err: unknown;
      try {
        openDatabase(file, { busyTimeoutMs: 100 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DatabaseError);
      expect((err as DatabaseError).kind).toBe('locked');
      expect((err as Error).message).toMatch(/is locked by another process/);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    openDatabase(file).close(); // and works once the lock is gone
  });

  it('read-only opening of a missing database says how to get one', () => {
    expect(() => openDatabase(fresh(), { readonly: true })).toThrow(/does not exist yet.*belay serve/);
  });

  it('a file that is not a database is reported as damaged, not as a crash', async () => {
    const file = fresh();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'this is not sqlite'.repeat(100));
    expect(() => openDatabase(file)).toThrow(/damaged or not a database/);
  });
});
