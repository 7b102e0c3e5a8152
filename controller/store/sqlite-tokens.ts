/**
 * The TokenStore on SQLite (the `tokens`, `sessions` and `bootstrap` tables of migration 3, and
 * the `actions` table for the audit trail). The running controller uses it on its own
 * connection (sqlite-store.ts); `fleet-controller bootstrap` opens the database file alone with
 * openTokenDatabase(), which works while a controller runs: WAL lets both read, and a busy
 * timeout makes a write wait for the controller's transaction instead of failing.
 */
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FleetError } from '../../common/errors.js';
import { configureConnection, openDatabase, writeWhenFree } from './sqlite-connection.js';
import { closedError, storeError } from './sqlite-errors.js';
import { migrate } from './sqlite-migrations.js';
import type { AuditEntry, AuditQuery, NewAction, StoredSession, StoredToken, TokenStore } from './store.js';

interface TokenRow {
  id: string;
  secret_hash: Buffer;
  name: string;
  role: StoredToken['role'];
  scopes: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

interface ActionRow {
  id: number;
  time: number;
  who: string;
  token_id: string;
  origin: string;
  action: string;
  addresses: string;
  hosts: string;
  result: string;
}

type TokenColumns = [string, Uint8Array, string, string, string, string, number, number | null, number | null];
type ActionColumns = [number, string, string, string, string, string, string, string];

export class SqliteTokens implements TokenStore {
  private readonly insertToken: Statement<TokenColumns>;
  private readonly selectToken: Statement<[string], TokenRow>;
  private readonly selectTokens: Statement<[], TokenRow>;
  private readonly revoke: Statement<[number, string]>;
  private readonly insertBootstrap: Statement<[number, string]>;
  private readonly selectBootstrap: Statement<[], { time: number }>;
  private readonly insertSession: Statement<[Uint8Array, string, number, number]>;
  private readonly selectSession: Statement<[Uint8Array], { token_id: string; created_at: number; expires_at: number }>;
  private readonly removeSession: Statement<[Uint8Array]>;
  private readonly removeTokenSessions: Statement<[string]>;
  private readonly removeExpired: Statement<[number]>;
  private readonly insertAction: Statement<ActionColumns>;
  private readonly selectAudit: Statement<[number, string, string, string, number], ActionRow>;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly checkOpen: () => void,
  ) {
    this.insertToken = db.prepare(
      'INSERT INTO tokens (id, secret_hash, name, role, scopes, created_by, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectToken = db.prepare('SELECT * FROM tokens WHERE id = ?');
    this.selectTokens = db.prepare('SELECT * FROM tokens ORDER BY created_at DESC, id');
    this.revoke = db.prepare('UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?');
    this.insertBootstrap = db.prepare('INSERT INTO bootstrap (id, time, token_id) VALUES (1, ?, ?)');
    this.selectBootstrap = db.prepare('SELECT time FROM bootstrap WHERE id = 1');
    this.insertSession = db.prepare('INSERT INTO sessions (id_hash, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
    this.selectSession = db.prepare('SELECT token_id, created_at, expires_at FROM sessions WHERE id_hash = ?');
    this.removeSession = db.prepare('DELETE FROM sessions WHERE id_hash = ?');
    this.removeTokenSessions = db.prepare('DELETE FROM sessions WHERE token_id = ?');
    this.removeExpired = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');
    this.insertAction = db.prepare('INSERT INTO actions (time, who, token_id, origin, action, addresses, hosts, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.selectAudit = db.prepare(
      `SELECT id, time, who, token_id, origin, action, addresses, hosts, result FROM actions
       WHERE time >= ? AND (? = '' OR who = ? OR token_id = ?) ORDER BY id DESC LIMIT ?`,
    );
  }

  async addToken(token: StoredToken, secretHash: Uint8Array): Promise<void> {
    this.checkOpen();
    try {
      await writeWhenFree(() => this.insertToken.run(...tokenColumns(token, secretHash)));
    } catch (err) {
      throw storeError(this.path, `adding the token ${token.id}`, err);
    }
  }

  async bootstrap(token: StoredToken, secretHash: Uint8Array, audit: NewAction): Promise<void> {
    this.checkOpen();
    try {
      await writeWhenFree(() =>
        this.db
          .transaction(() => {
            if (this.selectBootstrap.get()) throw alreadyBootstrapped(this.path);
            this.insertToken.run(...tokenColumns(token, secretHash));
            this.insertBootstrap.run(token.createdAt, token.id);
            this.insertAction.run(...actionColumns(audit));
          })
          .immediate(),
      );
    } catch (err) {
      // Two bootstraps at once: the loser's insert of the one bootstrap row fails.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw alreadyBootstrapped(this.path);
      throw storeError(this.path, 'bootstrapping the first admin token', err);
    }
  }

  async bootstrapped(): Promise<boolean> {
    this.checkOpen();
    try {
      return this.selectBootstrap.get() !== undefined;
    } catch (err) {
      throw storeError(this.path, 'reading the bootstrap mark', err);
    }
  }

  async getToken(id: string): Promise<{ token: StoredToken; secretHash: Uint8Array } | null> {
    this.checkOpen();
    let row: TokenRow | undefined;
    try {
      row = this.selectToken.get(id);
    } catch (err) {
      throw storeError(this.path, `reading the token ${id}`, err);
    }
    return row ? { token: toToken(row), secretHash: row.secret_hash } : null;
  }

  async listTokens(): Promise<StoredToken[]> {
    this.checkOpen();
    try {
      return this.selectTokens.all().map(toToken);
    } catch (err) {
      throw storeError(this.path, 'listing the tokens', err);
    }
  }

  async revokeToken(id: string, time: number): Promise<StoredToken | null> {
    this.checkOpen();
    try {
      return await writeWhenFree(() =>
        this.db.transaction(() => {
          if (this.revoke.run(time, id).changes === 0) return null;
          this.removeTokenSessions.run(id);
          return toToken(this.selectToken.get(id)!);
        })(),
      );
    } catch (err) {
      throw storeError(this.path, `revoking the token ${id}`, err);
    }
  }

  async addSession(idHash: Uint8Array, session: StoredSession): Promise<void> {
    this.checkOpen();
    try {
      await writeWhenFree(() => this.insertSession.run(idHash, session.tokenId, session.createdAt, session.expiresAt));
    } catch (err) {
      throw storeError(this.path, 'adding a dashboard session', err);
    }
  }

  async getSession(idHash: Uint8Array): Promise<StoredSession | null> {
    this.checkOpen();
    try {
      const row = this.selectSession.get(idHash);
      return row ? { tokenId: row.token_id, createdAt: row.created_at, expiresAt: row.expires_at } : null;
    } catch (err) {
      throw storeError(this.path, 'reading a dashboard session', err);
    }
  }

  async deleteSession(idHash: Uint8Array): Promise<void> {
    this.checkOpen();
    try {
      await writeWhenFree(() => this.removeSession.run(idHash));
    } catch (err) {
      throw storeError(this.path, 'deleting a dashboard session', err);
    }
  }

  async pruneSessions(now: number): Promise<number> {
    this.checkOpen();
    try {
      return (await writeWhenFree(() => this.removeExpired.run(now))).changes;
    } catch (err) {
      throw storeError(this.path, 'deleting expired dashboard sessions', err);
    }
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    this.checkOpen();
    if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
      throw new FleetError('INCORRECT_PARAMETERS', `audit limit must be a positive integer, got ${query.limit}`);
    }
    try {
      return this.selectAudit.all(query.since, query.who, query.who, query.who, query.limit).reverse().map(toAuditEntry);
    } catch (err) {
      throw storeError(this.path, 'reading the audit trail', err);
    }
  }
}

/** The token store of a database file opened on its own (fleet-controller bootstrap). */
export interface TokenDatabase extends AsyncDisposable {
  readonly tokens: TokenStore;
  /** Idempotent. */
  close(): Promise<void>;
}

/** How long a write waits for another connection's transaction (the running controller's). */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens the controller's database at `path` for its tokens alone, creating and migrating it
 * when needed (bootstrap may come before the controller's first start). Safe while a
 * controller has the same file open.
 */
export function openTokenDatabase(path: string): TokenDatabase {
  const file = resolve(path);
  try {
    if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw storeError(file, 'creating its directory', err);
  }
  let db: Database.Database;
  try {
    db = openDatabase(file, BUSY_TIMEOUT_MS);
  } catch (err) {
    throw storeError(file, 'opening it', err);
  }
  let closed = false;
  try {
    // A short-lived process: SQLite's default cache and checkpoint interval.
    configureConnection(db, { cacheMiB: 2, checkpointPages: 1000 });
    migrate(db, file);
  } catch (err) {
    db.close();
    throw storeError(file, 'opening it', err);
  }
  const tokens = new SqliteTokens(db, file, () => {
    if (closed) throw closedError(file);
  });
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    db.close();
  };
  return { tokens, close, [Symbol.asyncDispose]: close };
}

function alreadyBootstrapped(path: string): FleetError {
  return new FleetError(
    'FAILED',
    `the controller store ${path} was bootstrapped before: its first admin token was shown then and is not shown again. ` +
      'Create tokens with fleetctl token create (with an admin token); if every admin token is lost, stop the controller and start over with a new --data directory.',
  );
}

function tokenColumns(token: StoredToken, secretHash: Uint8Array): TokenColumns {
  return [token.id, secretHash, token.name, token.role, JSON.stringify(token.scopes), token.createdBy, token.createdAt, token.expiresAt, token.revokedAt];
}

function actionColumns(action: NewAction): ActionColumns {
  return [action.time, action.who, action.tokenId ?? '', action.origin, action.action, JSON.stringify(action.addresses), JSON.stringify(action.hosts), action.result];
}

function toToken(row: TokenRow): StoredToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    scopes: JSON.parse(row.scopes) as string[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

function toAuditEntry(row: ActionRow): AuditEntry {
  return {
    id: row.id,
    time: row.time,
    who: row.who,
    tokenId: row.token_id,
    origin: row.origin,
    action: row.action,
    addresses: JSON.parse(row.addresses) as string[],
    hosts: JSON.parse(row.hosts) as string[],
    result: row.result,
  };
}
