import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RegistryError } from '../registry.error.js';
import { ArtifactDigests } from '../model-registry/model-registry.service.js';
import { ArtifactStore } from './artifact.store.js';
import { SqliteAccess, isSqlite } from '../database/sqlite/sqlite-access.js';
import { SQLITE_NOW } from '../database/sqlite/create-registry-tables.sqlite.js';

export interface ArtifactFile {
  /** Relative to the listed folder's root (MLflow: relative to the run's artifact root). */
  readonly path: string;
  readonly isDir: boolean;
  readonly fileSize?: number;
}

/** `<experiment>/<run id>/artifacts/...`: the layout of MLflow's artifact proxy (`mlflow-artifacts:/`). */
const RUN_PATH = /^[^/]+\/([0-9a-f]{32})\/artifacts(?:\/|$)/;

/** Normalizes an artifact path; refuses empty segments, `.` and `..`. */
export function normalizeArtifactPath(path: string): string {
  const trimmed = decodeURIComponent(path).replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const parts = trimmed.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw RegistryError.invalid(`Invalid artifact path '${path}': no empty, '.' or '..' segments`);
  }
  return parts.join('/');
}

interface EntryRow {
  digest: string;
  size_bytes: string | number;
}

/** The `artifact_entries` table: path -> digest, on each driver. */
interface ArtifactEntries {
  upsert(path: string, runId: string | null, digest: string, size: number): Promise<void>;
  find(path: string): Promise<EntryRow | undefined>;
  /** Entries whose path starts with `prefix`, by path. */
  under(prefix: string): Promise<{ path: string; size_bytes: string | number }[]>;
  /** The newest digest stored for the run at `<...>/artifacts/<rel>`. */
  digestOf(runId: string, rel: string): Promise<string | undefined>;
}

class PgArtifactEntries implements ArtifactEntries {
  constructor(private readonly dataSource: DataSource) {}

  async upsert(path: string, runId: string | null, digest: string, size: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO artifact_entries (path, run_uuid, digest, size_bytes) VALUES ($1, $2, $3, $4)
       ON CONFLICT (path) DO UPDATE SET digest = EXCLUDED.digest, size_bytes = EXCLUDED.size_bytes, created_at = now()`,
      [path, runId, digest, size],
    );
  }

  async find(path: string): Promise<EntryRow | undefined> {
    const rows = (await this.dataSource.query(`SELECT digest, size_bytes FROM artifact_entries WHERE path = $1`, [path])) as EntryRow[];
    return rows[0];
  }

  async under(prefix: string): Promise<{ path: string; size_bytes: string }[]> {
    return (await this.dataSource.query(`SELECT path, size_bytes FROM artifact_entries WHERE starts_with(path, $1) ORDER BY path`, [
      prefix,
    ])) as { path: string; size_bytes: string }[];
  }

  async digestOf(runId: string, rel: string): Promise<string | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT digest FROM artifact_entries WHERE run_uuid = $1 AND right(path, length($2) + 11) = '/artifacts/' || $2
        ORDER BY created_at DESC LIMIT 1`,
      [runId, rel],
    )) as { digest: string }[];
    return rows[0]?.digest;
  }
}

/** The same statements in SQLite's dialect (substr for starts_with / right; ISO text times; the rowid breaks ties). */
class SqliteArtifactEntries implements ArtifactEntries {
  constructor(private readonly db: SqliteAccess) {}

  async upsert(path: string, runId: string | null, digest: string, size: number): Promise<void> {
    await this.db.write(
      `INSERT INTO artifact_entries (path, run_uuid, digest, size_bytes) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (path) DO UPDATE SET digest = excluded.digest, size_bytes = excluded.size_bytes, created_at = ${SQLITE_NOW}`,
      [path, runId, digest, size],
    );
  }

  async find(path: string): Promise<EntryRow | undefined> {
    return (await this.db.read<EntryRow>(`SELECT digest, size_bytes FROM artifact_entries WHERE path = ?1`, [path]))[0];
  }

  under(prefix: string): Promise<{ path: string; size_bytes: number }[]> {
    return this.db.read(`SELECT path, size_bytes FROM artifact_entries WHERE substr(path, 1, length(?1)) = ?1 ORDER BY path`, [prefix]);
  }

  async digestOf(runId: string, rel: string): Promise<string | undefined> {
    const rows = await this.db.read<{ digest: string }>(
      `SELECT digest FROM artifact_entries WHERE run_uuid = ?1 AND substr(path, -(length(?2) + 11)) = '/artifacts/' || ?2
        ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      [runId, rel],
    );
    return rows[0]?.digest;
  }
}

/**
 * Artifact paths -> content digests (`artifact_entries`), over the content-addressed
 * {@link ArtifactStore}. A path under `<experiment>/<run>/artifacts/` is recorded with its run.
 */
@Injectable()
export class ArtifactsService extends ArtifactDigests {
  private readonly entries: ArtifactEntries;

  constructor(dataSource: DataSource, private readonly store: ArtifactStore) {
    super();
    this.entries = isSqlite(dataSource) ? new SqliteArtifactEntries(SqliteAccess.of(dataSource)) : new PgArtifactEntries(dataSource);
  }

  async put(rawPath: string, data: Buffer): Promise<{ path: string; digest: string; size: number }> {
    const path = normalizeArtifactPath(rawPath);
    if (path === '') throw RegistryError.invalid('An artifact path is required');
    const blob = await this.store.put(data);
    const runId = RUN_PATH.exec(path)?.[1] ?? null;
    await this.entries.upsert(path, runId, blob.digest, blob.size);
    return { path, digest: blob.digest, size: blob.size };
  }

  async get(rawPath: string): Promise<{ digest: string; size: number; stream: Readable }> {
    const path = normalizeArtifactPath(rawPath);
    const row = await this.entries.find(path);
    const stream = row && (await this.store.open(row.digest));
    if (row === undefined || stream === undefined) throw RegistryError.notFound(`Artifact '${path}' not found`);
    return { digest: row.digest, size: Number(row.size_bytes), stream };
  }

  async openDigest(digest: string): Promise<Readable> {
    const stream = await this.store.open(digest);
    if (stream === undefined) throw RegistryError.notFound(`No artifact with digest ${digest} in the store`);
    return stream;
  }

  /** Immediate children of a folder, paths relative to `relativeTo` (MLflow lists relative to the run root). */
  async list(rawPath: string, relativeTo = rawPath): Promise<ArtifactFile[]> {
    const dir = normalizeArtifactPath(rawPath);
    const base = normalizeArtifactPath(relativeTo);
    const prefix = dir === '' ? '' : `${dir}/`;
    const rows = await this.entries.under(prefix);
    const seen = new Map<string, ArtifactFile>();
    const strip = (full: string): string => (base === '' ? full : full.slice(base.length + 1));
    for (const row of rows) {
      const rest = row.path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) seen.set(rest, { path: strip(row.path), isDir: false, fileSize: Number(row.size_bytes) });
      else {
        const folder = rest.slice(0, slash);
        if (!seen.has(folder)) seen.set(folder, { path: strip(`${prefix}${folder}`), isDir: true });
      }
    }
    return [...seen.values()];
  }

  async digestOf(runId: string, path: string): Promise<string | undefined> {
    const rel = normalizeArtifactPath(path);
    return this.entries.digestOf(runId, rel);
  }

  has(digest: string): Promise<boolean> {
    return this.store.has(digest);
  }
}
