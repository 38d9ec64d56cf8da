/**
 * The engine's libSQL (SQLite) database: opening, pragmas, migrations, transactions.
 * Every check-and-update runs inside one `BEGIN IMMEDIATE` transaction, so two
 * processes sharing the file cannot both consume the same code.
 * @module
 */
import Database from 'libsql';
import { MIGRATIONS } from './migrations.ts';

export type Db = InstanceType<typeof Database>;

export function openDatabase(path: string): Db {
  const db = new Database(path);
  if (path !== ':memory:') {
    // First, so that switching to WAL waits for a process opening the same new file at once.
    db.pragma('busy_timeout = 5000');
    // WAL survives a killed process without losing committed transactions; FULL adds power-loss safety.
    enableWal(db);
    db.pragma('synchronous = FULL');
  }
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/**
 * Switches the file to WAL. While another process does the same to a new file, SQLite may answer
 * SQLITE_BUSY at once instead of waiting out the busy timeout (it would risk a deadlock): retry.
 */
function enableWal(db: Db): void {
  for (let attempt = 1; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy =
        error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_BUSY');
      if (!busy || attempt >= 100) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 + Math.random() * 40);
    }
  }
}

/** Applies every migration newer than the stored schema version, each in its own transaction. */
export function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
    { value: string } | undefined;
  const current = row ? Number(row.value) : 0;
  MIGRATIONS.forEach((sql, index) => {
    const version = index + 1;
    if (version <= current) return;
    transaction(db, () => {
      // Another process may have applied it since the read above; decide under the write lock.
      if (Number(readMeta(db, 'schema_version') ?? '0') >= version) return;
      db.exec(sql);
      db.prepare(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      ).run(String(version));
    });
  });
}

/** Runs `fn` in an immediate (write-locking) transaction; nested calls join the outer one. */
export function transaction<T>(db: Db, fn: () => T): T {
  if (db.inTransaction) return fn();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    rollback(db);
    throw error;
  }
}

/** A failed statement may already have ended the transaction; roll back only if it is open. */
function rollback(db: Db): void {
  if (db.inTransaction) db.exec('ROLLBACK');
}

export function readMeta(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
    { value: string } | undefined;
  return row?.value;
}

export function writeMeta(db: Db, key: string, value: string): void {
  db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}
