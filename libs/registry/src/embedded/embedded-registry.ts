import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { EventPublisher } from '@mlops/messaging';
import { DataSource } from 'typeorm';
import { registryEntitiesFor } from '../database/registry.entities.js';
import { registryMigrations } from '../database/registry.migrations.js';
import { SqliteAccess } from '../database/sqlite/sqlite-access.js';
import { ArtifactsService } from '../artifacts/artifacts.service.js';
import { LocalArtifactStore } from '../artifacts/local-artifact.store.js';
import { ModelRegistryService, OutboxFlusher } from '../model-registry/model-registry.service.js';
import { SqliteModelRegistryStore } from '../model-registry/sqlite-model-registry.store.js';
import { SqliteTrackingStore } from '../tracking/sqlite-tracking.store.js';
import { TrackingService } from '../tracking/tracking.service.js';
import { SqliteOutboxRelay } from './sqlite-outbox.relay.js';
import { acquireFileLock } from './file-lock.js';


export interface EmbeddedRegistryOptions {
  /** The SQLite file (created with the registry's tables on first open), e.g. `.local/registry/registry.sqlite`. */
  readonly path: string;
  /** Folder of the content-addressed artifact store (default: `artifacts/` beside the SQLite file). */
  readonly artifactsDir?: string;
  /**
   * Where the registry's outbox events (`mlops.model.promoted.v1`, `mlops.model.rolled-back.v1`)
   * are published after each change: laptop mode passes an InProcessEventBus. Without it they
   * stay pending in the `outbox` table.
   */
  readonly events?: EventPublisher;
  /** How long to wait for another process that has the file open (default 30 s). */
  readonly lockTimeoutMs?: number;
  /** Problems that do not fail the call (an outbox event that could not be published). */
  readonly onWarning?: (message: string) => void;
}

/** The registry's services on one SQLite file: what the registry service serves, without HTTP. */
export interface EmbeddedRegistry {
  /** Absolute path of the SQLite file. */
  readonly path: string;
  readonly artifactsDir: string;
  readonly dataSource: DataSource;
  readonly tracking: TrackingService;
  readonly models: ModelRegistryService;
  readonly artifacts: ArtifactsService;
  /** Waits for pending statements, closes the database (already saved) and releases the lock. */
  close(): Promise<void>;
}

class PendingOutbox extends OutboxFlusher {
  async flush(): Promise<void> {}
}

/**
 * Opens the registry on a SQLite file through sql.js (WebAssembly: no native build, no server):
 * the same TrackingService, ModelRegistryService and ArtifactsService as the registry service,
 * over SqliteTrackingStore and SqliteModelRegistryStore. The migrations run on open; every
 * committed change is written back to the file at once (a new file renamed over the old one, so
 * a crash never leaves half a database).
 *
 * One process at a time: sql.js works on an in-memory copy of the file, so the file is locked
 * (`<path>.lock`, holding `<pid>@<host>`) from open to close. A second command waits for the
 * first (up to `lockTimeoutMs`), then fails with a message naming the holder; a lock left by a
 * process that died is taken over. Keep sessions short: open, do the registry work, close.
 */
export async function openEmbeddedRegistry(options: EmbeddedRegistryOptions): Promise<EmbeddedRegistry> {
  const path = resolve(options.path);
  const artifactsDir = resolve(options.artifactsDir ?? join(dirname(path), 'artifacts'));
  await mkdir(dirname(path), { recursive: true });
  const release = await acquireFileLock(
    `${path}.lock`,
    options.lockTimeoutMs ?? 30_000,
    `the registry ${path}`,
  );
  try {
    const existing = await readFile(path).then(
      (bytes) => new Uint8Array(bytes),
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      },
    );
    const { dataSource, migrated } = await openSqliteRegistryDataSource(existing);
    try {
      const db = SqliteAccess.of(dataSource);
      db.onCommit((bytes) => writeAtomically(path, bytes));
      if (existing === undefined || migrated > 0)
        await writeAtomically(path, dataSource.sqljsManager.exportDatabase());
      const artifacts = new ArtifactsService(dataSource, new LocalArtifactStore(artifactsDir));
      const outbox =
        options.events !== undefined
          ? new SqliteOutboxRelay(dataSource, options.events, options.onWarning)
          : new PendingOutbox();
      return {
        path,
        artifactsDir,
        dataSource,
        tracking: new TrackingService(new SqliteTrackingStore(dataSource)),
        models: new ModelRegistryService(new SqliteModelRegistryStore(dataSource), outbox, artifacts),
        artifacts,
        close: async () => {
          try {
            await db.drain();
            await dataSource.destroy();
          } finally {
            await release();
          }
        },
      };
    } catch (error) {
      await dataSource.destroy().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * A sql.js DataSource with the registry's tables: `database` (a SQLite file's bytes) or a new empty
 * database, the SQLite entities, the migrations run (`migrated`: how many ran now), LIKE made
 * case-sensitive as in PostgreSQL. In memory only: {@link openEmbeddedRegistry} adds the file.
 */
export async function openSqliteRegistryDataSource(
  database?: Uint8Array,
): Promise<{ dataSource: DataSource; migrated: number }> {
  const dataSource = new DataSource({
    type: 'sqljs',
    ...(database !== undefined ? { database } : {}),
    entities: registryEntitiesFor('sqljs'),
    migrations: registryMigrations,
    migrationsRun: false,
    logging: false,
  });
  await dataSource.initialize();
  try {
    // PostgreSQL's LIKE is case-sensitive with `\` as escape; the SQLite stores write ESCAPE '\'.
    await dataSource.query(`PRAGMA case_sensitive_like = ON`);
    const migrated = await dataSource.runMigrations({ transaction: 'all' });
    return { dataSource, migrated: migrated.length };
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}

/** Writes `<path>.<random>.tmp` and renames it over `path` (atomic on one file system). */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
