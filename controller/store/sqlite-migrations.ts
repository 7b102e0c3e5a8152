/**
 * The SQLite schema as a list of versioned migrations, applied in order at open, each in its own
 * transaction and recorded in `schema_migrations`. Never edit a released migration: add the next
 * one (issue 5's certificates are version 2; tokens, sessions and the audit's token ids version 3).
 *
 * Layout choices (reference/toolchain.md section 3): `events` is a rowid table in arrival order,
 * so the table itself is appended to; the per-host index `(host_id, seq)` is the one write that
 * lands on a different page for every host of a batch, which is why appends are batched. Hosts
 * are integers in every large table.
 */
import type { Database } from 'better-sqlite3';
import { FleetError } from '../../common/errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'hosts, events, current processes, actions',
    sql: `
      CREATE TABLE hosts (
        id            INTEGER PRIMARY KEY,
        name          TEXT    NOT NULL UNIQUE,
        labels        TEXT    NOT NULL DEFAULT '{}',  -- JSON object
        agent_version TEXT    NOT NULL DEFAULT '',
        peer          TEXT    NOT NULL DEFAULT '',
        connected_at  INTEGER NOT NULL DEFAULT 0,     -- epoch ms
        last_seen     INTEGER NOT NULL DEFAULT 0,     -- epoch ms
        last_seq      INTEGER NOT NULL DEFAULT 0      -- every seq up to it is stored (acked)
      );

      -- Transitions, exits and gaps as the agents numbered them; id is the arrival order.
      CREATE TABLE events (
        id          INTEGER PRIMARY KEY,
        host_id     INTEGER NOT NULL REFERENCES hosts (id),
        seq         INTEGER NOT NULL,
        time        INTEGER NOT NULL,                 -- epoch ms, agent's clock
        kind        TEXT    NOT NULL,                 -- transition | exit | gap
        grp         TEXT,
        name        TEXT,
        from_state  TEXT,                             -- transition
        to_state    TEXT,                             -- transition
        pid         INTEGER,                          -- transition, exit
        exit_status INTEGER,                          -- exit: 0-255, or NULL when signalled
        signal      TEXT,                             -- exit: SIGKILL..., or NULL
        expected    INTEGER,                          -- exit: 0 or 1
        gap_from    INTEGER,                          -- gap
        gap_to      INTEGER                           -- gap
      );
      CREATE UNIQUE INDEX events_host_seq ON events (host_id, seq);
      CREATE INDEX events_time ON events (time, seq);

      -- The last known view: one row per process, the agent's ProcessInfo as JSON.
      CREATE TABLE processes (
        host_id INTEGER NOT NULL REFERENCES hosts (id),
        grp     TEXT    NOT NULL,
        name    TEXT    NOT NULL,
        info    TEXT    NOT NULL,
        PRIMARY KEY (host_id, grp, name)
      ) WITHOUT ROWID;

      -- Operators' mutating calls (the audit trail).
      CREATE TABLE actions (
        id        INTEGER PRIMARY KEY,
        time      INTEGER NOT NULL,
        who       TEXT    NOT NULL,
        origin    TEXT    NOT NULL,
        action    TEXT    NOT NULL,
        addresses TEXT    NOT NULL,                   -- JSON array, as given
        hosts     TEXT    NOT NULL,                   -- JSON array of the hosts reached
        result    TEXT    NOT NULL
      );
      CREATE INDEX actions_time ON actions (time);
      -- Which hosts each action reached, for history by host.
      CREATE TABLE action_hosts (
        host_id   INTEGER NOT NULL REFERENCES hosts (id),
        action_id INTEGER NOT NULL REFERENCES actions (id),
        PRIMARY KEY (host_id, action_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'agent certificates',
    sql: `
      -- Client certificates the controller's CA signed for agents (controller/pki). A presented
      -- certificate counts only while its serial is here and not revoked; revoking a host marks
      -- every certificate issued to it until then.
      CREATE TABLE certificates (
        serial     TEXT    PRIMARY KEY,               -- hex, lower case
        host       TEXT    NOT NULL,                  -- the subject CN: the host identity
        issued_at  INTEGER NOT NULL,                  -- epoch ms
        not_after  INTEGER NOT NULL,                  -- epoch ms
        revoked_at INTEGER                            -- epoch ms; NULL while valid
      ) WITHOUT ROWID;
      CREATE INDEX certificates_host ON certificates (host);
    `,
  },
  {
    version: 3,
    name: 'API tokens, dashboard sessions, audit token ids',
    sql: `
      -- API tokens (controller/auth): the text is fvt_<id>_<secret>; only sha256(secret) is kept.
      CREATE TABLE tokens (
        id          TEXT    PRIMARY KEY,              -- 16 hex digits, the public part
        secret_hash BLOB    NOT NULL,                 -- sha256 of the secret part
        name        TEXT    NOT NULL,
        role        TEXT    NOT NULL,                 -- viewer | operator | admin | join
        scopes      TEXT    NOT NULL DEFAULT '[]',    -- JSON array of addresses; empty: everything
        created_by  TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,                 -- epoch ms
        expires_at  INTEGER,                          -- epoch ms; NULL: never
        revoked_at  INTEGER                           -- epoch ms; NULL while valid
      ) WITHOUT ROWID;

      -- The one bootstrap (fleet-controller bootstrap): a second one is refused.
      CREATE TABLE bootstrap (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        time     INTEGER NOT NULL,
        token_id TEXT    NOT NULL
      );

      -- Dashboard sessions: sha256 of the cookie value; a session lives no longer than its token.
      CREATE TABLE sessions (
        id_hash    BLOB    PRIMARY KEY,
        token_id   TEXT    NOT NULL REFERENCES tokens (id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX sessions_expires ON sessions (expires_at);

      -- Which token acted ('' for anonymous callers in insecure mode and for agents).
      ALTER TABLE actions ADD COLUMN token_id TEXT NOT NULL DEFAULT '';
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

export interface MigrationOutcome {
  /** The schema version found (0 for a new database). */
  from: number;
  to: number;
}

/**
 * Brings the database at `path` to the latest schema. A database written by a newer controller
 * (a version this code does not know) is refused with FAILED before anything is changed.
 */
export function migrate(db: Database, path: string, migrations: readonly Migration[] = MIGRATIONS): MigrationOutcome {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const found = (db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (found > latest) {
    throw new FleetError(
      'FAILED',
      `controller store ${path} has schema version ${found}, but this fleet-controller knows versions up to ${latest}: ` +
        'it was written by a newer fleet-controller. Run that version (or newer), or point --data at another directory.',
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations) {
    if (migration.version <= found) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
  }
  return { from: found, to: Math.max(found, latest) };
}
