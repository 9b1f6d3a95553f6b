import type { DataSource, EntityManager } from 'typeorm';

/** Driver types that speak SQLite (sql.js is the one laptop mode uses: WebAssembly, no native build). */
const SQLITE_TYPES: ReadonlySet<string> = new Set(['sqljs', 'sqlite', 'better-sqlite3']);

/** Whether a DataSource (or its options) is SQLite rather than PostgreSQL. */
export function isSqlite(dataSource: { readonly options: { readonly type: string } }): boolean {
  return SQLITE_TYPES.has(dataSource.options.type);
}

/** Runs SQL inside one SQLite transaction (`?1`, `?2`, ... placeholders; rows of SELECT and RETURNING). */
export interface SqliteQuery {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * Serialized access to a SQLite DataSource. sql.js has one connection: TypeORM hands every caller the
 * same query runner, so two interleaved transactions would nest as savepoints and a read would see
 * another caller's uncommitted writes. Every statement and transaction therefore goes through one
 * queue, in call order. That queue is what PostgreSQL's row locks (`SELECT ... FOR UPDATE`) are on
 * SQLite: a transaction holds the whole database until it commits.
 *
 * After each committed write the database is handed to `persist` (the embedded registry writes the
 * file there); reads never persist.
 *
 * Parameters: NaN is bound as the text `'NaN'` (SQLite stores a NaN double as NULL); in a REAL
 * column the text sorts above every number, as NaN does in PostgreSQL. Booleans are bound as 1/0.
 */
export class SqliteAccess {
  private static readonly instances = new WeakMap<DataSource, SqliteAccess>();
  private tail: Promise<unknown> = Promise.resolve();
  private persist: ((database: Uint8Array) => Promise<void>) | undefined;

  private constructor(private readonly dataSource: DataSource) {}

  /** The one access object of a SQLite DataSource (all stores of that DataSource share its queue). */
  static of(dataSource: DataSource): SqliteAccess {
    if (!isSqlite(dataSource)) {
      throw new Error(`SqliteAccess needs a SQLite DataSource, got type '${dataSource.options.type}'`);
    }
    let access = SqliteAccess.instances.get(dataSource);
    if (access === undefined) {
      access = new SqliteAccess(dataSource);
      SqliteAccess.instances.set(dataSource, access);
    }
    return access;
  }

  /** Sets what is done with the database bytes after each committed write (sql.js: `exportDatabase()`). */
  onCommit(persist: (database: Uint8Array) => Promise<void>): void {
    this.persist = persist;
  }

  /** A statement that does not write. */
  read<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.serialized(() => run<T>(this.dataSource.manager, sql, params));
  }

  /** One writing statement (its own implicit transaction), persisted after it ran. */
  write<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.serialized(async () => {
      const rows = await run<T>(this.dataSource.manager, sql, params);
      await this.save();
      return rows;
    });
  }

  /** `work` in one transaction, alone on the database; persisted after commit, nothing kept on a throw. */
  transaction<T>(work: (q: SqliteQuery) => Promise<T>): Promise<T> {
    return this.serialized(async () => {
      const result = await this.dataSource.transaction((m) =>
        work({ query: <R>(sql: string, params: readonly unknown[] = []) => run<R>(m, sql, params) }),
      );
      await this.save();
      return result;
    });
  }

  /** Waits for every queued statement (the embedded registry's close). */
  async drain(): Promise<void> {
    await this.tail.catch(() => undefined);
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async save(): Promise<void> {
    if (this.persist === undefined || this.dataSource.options.type !== 'sqljs') return;
    await this.persist(this.dataSource.sqljsManager.exportDatabase());
  }
}

async function run<T>(m: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const rows = (await m.query(sql, params.map(bindable))) as unknown;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

function bindable(value: unknown): unknown {
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value === undefined ? null : value;
}

/** A JSON column or aggregate as SQLite returns it (text), parsed; PostgreSQL's already-parsed values pass through. */
export function parseJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value !== 'string') return value as T;
  return JSON.parse(value) as T;
}

/** `?1, ?2, ...` placeholders from `first` on, for multi-row VALUES lists. */
export function placeholders(first: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `?${first + i}`).join(', ');
}
