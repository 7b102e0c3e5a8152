import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { LATEST_VERSION, MIGRATIONS, migrate } from '../controller/store/sqlite-migrations.js';
import { rejectsWith } from './helpers/fleet-error.js';
import { dbPath, openStore, transition, appendAll } from './helpers/store-fixtures.js';
import { makeTempDir } from './helpers/temp-dir.js';

const temp = makeTempDir('fleetvisor-store-');
after(() => temp.remove());

function appliedVersions(path: string): { version: number; applied_at: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all() as { version: number; applied_at: number }[];
  } finally {
    db.close();
  }
}

test('migrations are numbered 1, 2, 3... with nothing missing', () => {
  assert.deepEqual(MIGRATIONS.map((m) => m.version), Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
  assert.equal(LATEST_VERSION, MIGRATIONS.length);
});

test('a new database gets every migration, in WAL mode', async () => {
  const dir = temp.fresh();
  await (await openStore(dir)).close();
  assert.deepEqual(appliedVersions(dbPath(dir)).map((r) => r.version), MIGRATIONS.map((m) => m.version));
  const db = new Database(dbPath(dir), { readonly: true });
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    assert.deepEqual(tables, ['action_hosts', 'actions', 'bootstrap', 'certificates', 'events', 'hosts', 'processes', 'schema_migrations', 'sessions', 'tokens']);
  } finally {
    db.close();
  }
});

test('reopening an up-to-date database applies nothing', async () => {
  const dir = temp.fresh();
  await (await openStore(dir)).close();
  const before = appliedVersions(dbPath(dir));
  await (await openStore(dir)).close();
  assert.deepEqual(appliedVersions(dbPath(dir)), before);
});

test('a later migration is applied to a database of an earlier version, keeping its rows', async () => {
  const dir = temp.fresh();
  {
    await using store = await openStore(dir);
    await appendAll(store, 'web-1', [transition('web-1', 1)]);
  }
  const db = new Database(dbPath(dir));
  try {
    const next = { version: LATEST_VERSION + 1, name: 'audit columns', sql: "ALTER TABLE actions ADD COLUMN token TEXT NOT NULL DEFAULT ''" };
    assert.deepEqual(migrate(db, dbPath(dir), [...MIGRATIONS, next]), { from: LATEST_VERSION, to: LATEST_VERSION + 1 });
    const columns = db.prepare("SELECT name FROM pragma_table_info('actions')").pluck().all();
    assert.ok(columns.includes('token'));
    assert.equal(db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
  } finally {
    db.close();
  }
});

test('a migration that fails leaves the database at the version before it', async () => {
  const dir = temp.fresh();
  await (await openStore(dir)).close();
  const db = new Database(dbPath(dir));
  try {
    const broken = { version: LATEST_VERSION + 1, name: 'broken', sql: 'CREATE TABLE half_done (x); SELECT no_such_function()' };
    assert.throws(() => migrate(db, dbPath(dir), [...MIGRATIONS, broken]), /no such function/);
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").pluck().get(), 0);
    assert.equal(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get(), LATEST_VERSION);
  } finally {
    db.close();
  }
});

test('a database from a newer controller is refused with its file and both versions named', async () => {
  const dir = temp.fresh();
  await (await openStore(dir)).close();
  const db = new Database(dbPath(dir));
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_VERSION + 5, 'from the future', 1);
  db.close();
  await rejectsWith(
    openStore(dir),
    'FAILED',
    new RegExp(
      `^controller store ${dbPath(dir)} has schema version ${LATEST_VERSION + 5}, but this fleet-controller knows versions up to ${LATEST_VERSION}: ` +
        'it was written by a newer fleet-controller\\. Run that version',
    ),
  );
  assert.equal(appliedVersions(dbPath(dir)).at(-1)?.version, LATEST_VERSION + 5, 'left as it was');
});

test('a file that is not a SQLite database is refused and left alone', async () => {
  const dir = temp.fresh();
  const text = 'this is a text file that happens to sit where the database should be\n'.repeat(100);
  writeFileSync(dbPath(dir), text);
  await rejectsWith(openStore(dir), 'FAILED', new RegExp(`^controller store ${dbPath(dir)} is not a SQLite database .*: point --data at another directory, or move`));
  assert.equal(readFileSync(dbPath(dir), 'utf8'), text);
});

test('a damaged database is reported as damaged, with how to recover', async () => {
  const dir = temp.fresh();
  {
    await using store = await openStore(dir);
    await appendAll(store, 'web-1', Array.from({ length: 2000 }, (_, i) => transition('web-1', i + 1)));
  }
  // Scribble over the pages after the first (the header stays valid, the b-trees do not).
  const bytes = readFileSync(dbPath(dir));
  for (let i = 4096; i < bytes.length; i += 7) bytes[i] = 0xa5;
  writeFileSync(dbPath(dir), bytes);
  await rejectsWith(openStore(dir), 'FAILED', new RegExp(`^controller store ${dbPath(dir)} is damaged .*sqlite3 ${dbPath(dir)} \\.recover`));
});
