import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { KeyValue } from '../tracking/tracking.types.js';
import { ModelRegistryStore, type LockedModel, type OutboxItem } from './model-registry.store.js';
import type {
  ModelVersion,
  NewModelVersion,
  RegisteredModel,
  Stage,
  StageTransition,
  TransitionKind,
} from './model-registry.types.js';

/** Row shapes and mappers below are shared with SqliteModelRegistryStore. */
export interface VersionRow {
  name: string;
  version: number;
  source: string;
  run_uuid: string | null;
  run_link: string | null;
  description: string | null;
  status: 'READY';
  current_stage: Stage;
  creation_time: string;
  last_updated_time: string;
  onnx_digest: string | null;
  checksum: string | null;
  input_schema: unknown;
  metrics: Record<string, number> | null;
  threshold: number | null;
  tags: KeyValue[] | null;
  aliases: string[] | null;
}

export interface ModelRow {
  name: string;
  description: string | null;
  creation_time: string;
  last_updated_time: string;
  tags: KeyValue[] | null;
  aliases: { alias: string; version: number }[] | null;
}

export interface TransitionRow {
  name: string;
  version: number;
  from_stage: Stage;
  to_stage: Stage;
  kind: TransitionKind;
  actor: string;
  reason: string;
  at: Date;
}

const VERSION_COLUMNS = `mv.name, mv.version, mv.source, mv.run_uuid, mv.run_link, mv.description, mv.status, mv.current_stage,
  mv.creation_time, mv.last_updated_time, mv.onnx_digest, mv.checksum, mv.input_schema, mv.metrics, mv.threshold,
  (SELECT json_agg(json_build_object('key', t.key, 'value', t.value) ORDER BY t.key) FROM model_version_tags t WHERE t.name = mv.name AND t.version = mv.version) AS tags,
  (SELECT array_agg(a.alias ORDER BY a.alias) FROM model_aliases a WHERE a.name = mv.name AND a.version = mv.version) AS aliases`;

const MODEL_COLUMNS = `rm.name, rm.description, rm.creation_time, rm.last_updated_time,
  (SELECT json_agg(json_build_object('key', t.key, 'value', t.value) ORDER BY t.key) FROM registered_model_tags t WHERE t.name = rm.name) AS tags,
  (SELECT json_agg(json_build_object('alias', a.alias, 'version', a.version) ORDER BY a.alias) FROM model_aliases a WHERE a.name = rm.name) AS aliases`;

export function toVersion(row: VersionRow): ModelVersion {
  return {
    name: row.name,
    version: Number(row.version),
    source: row.source,
    runId: row.run_uuid,
    runLink: row.run_link,
    description: row.description,
    status: row.status,
    currentStage: row.current_stage,
    creationTime: Number(row.creation_time),
    lastUpdatedTime: Number(row.last_updated_time),
    onnxDigest: row.onnx_digest,
    checksum: row.checksum,
    inputSchema: row.input_schema,
    metrics: row.metrics,
    threshold: row.threshold === null ? null : Number(row.threshold),
    tags: row.tags ?? [],
    aliases: row.aliases ?? [],
  };
}

export function toTransition(row: TransitionRow): StageTransition {
  return {
    name: row.name,
    version: Number(row.version),
    fromStage: row.from_stage,
    toStage: row.to_stage,
    kind: row.kind,
    actor: row.actor,
    reason: row.reason,
    at: new Date(row.at).toISOString(),
  };
}

/** Rows of an UPDATE/DELETE ... RETURNING: TypeORM's postgres driver answers `[rows, count]`. */
function returned<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

async function versionsOf(m: EntityManager, name: string): Promise<ModelVersion[]> {
  const rows = (await m.query(`SELECT ${VERSION_COLUMNS} FROM model_versions mv WHERE mv.name = $1 ORDER BY mv.version`, [
    name,
  ])) as VersionRow[];
  return rows.map(toVersion);
}

async function historyOf(m: EntityManager, name: string): Promise<StageTransition[]> {
  const rows = (await m.query(
    `SELECT name, version, from_stage, to_stage, kind, actor, reason, at FROM stage_transitions WHERE name = $1 ORDER BY id`,
    [name],
  )) as TransitionRow[];
  return rows.map(toTransition);
}

class PgLockedModel implements LockedModel {
  constructor(
    private readonly m: EntityManager,
    readonly name: string,
  ) {}

  versions(): Promise<ModelVersion[]> {
    return versionsOf(this.m, this.name);
  }

  async insertVersion(input: NewModelVersion, now: number): Promise<ModelVersion> {
    const allocated = returned<{ last_version: number }>(
      await this.m.query(
        `UPDATE registered_models SET last_version = last_version + 1, last_updated_time = $2 WHERE name = $1 RETURNING last_version`,
        [this.name, now],
      ),
    );
    const version = Number(allocated[0]?.last_version);
    await this.m.query(
      `INSERT INTO model_versions (name, version, source, run_uuid, run_link, description, status, current_stage,
         creation_time, last_updated_time, onnx_digest, checksum, input_schema, metrics, threshold)
       VALUES ($1, $2, $3, $4, $5, $6, 'READY', 'None', $7, $7, $8, $9, $10, $11, $12)`,
      [
        this.name,
        version,
        input.source,
        input.runId,
        input.runLink,
        input.description,
        now,
        input.onnxDigest,
        input.checksum,
        input.inputSchema === null ? null : JSON.stringify(input.inputSchema),
        input.metrics === null ? null : JSON.stringify(input.metrics),
        input.threshold,
      ],
    );
    if (input.tags.length > 0) {
      await this.m.query(
        `INSERT INTO model_version_tags (name, version, key, value) SELECT $1, $2, k, v FROM unnest($3::text[], $4::text[]) AS x(k, v)
         ON CONFLICT (name, version, key) DO UPDATE SET value = EXCLUDED.value`,
        [this.name, version, input.tags.map((t) => t.key), input.tags.map((t) => t.value)],
      );
    }
    const rows = (await this.m.query(`SELECT ${VERSION_COLUMNS} FROM model_versions mv WHERE mv.name = $1 AND mv.version = $2`, [
      this.name,
      version,
    ])) as VersionRow[];
    return toVersion(rows[0] as VersionRow);
  }

  async setStage(version: number, stage: Stage, now: number): Promise<void> {
    await this.m.query(`UPDATE model_versions SET current_stage = $3, last_updated_time = $4 WHERE name = $1 AND version = $2`, [
      this.name,
      version,
      stage,
      now,
    ]);
    await this.m.query(`UPDATE registered_models SET last_updated_time = $2 WHERE name = $1`, [this.name, now]);
  }

  async aliasVersion(alias: string): Promise<number | undefined> {
    const rows = (await this.m.query(`SELECT version FROM model_aliases WHERE name = $1 AND alias = $2`, [this.name, alias])) as {
      version: number;
    }[];
    return rows[0] === undefined ? undefined : Number(rows[0].version);
  }

  async setAlias(alias: string, version: number): Promise<void> {
    await this.m.query(
      `INSERT INTO model_aliases (name, alias, version) VALUES ($1, $2, $3)
       ON CONFLICT (name, alias) DO UPDATE SET version = EXCLUDED.version`,
      [this.name, alias, version],
    );
  }

  async deleteAlias(alias: string): Promise<boolean> {
    const rows = returned<{ alias: string }>(
      await this.m.query(`DELETE FROM model_aliases WHERE name = $1 AND alias = $2 RETURNING alias`, [this.name, alias]),
    );
    return rows.length > 0;
  }

  async recordTransitions(
    entries: readonly { version: number; fromStage: Stage; toStage: Stage; kind: TransitionKind; actor: string; reason: string }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    await this.m.query(
      `INSERT INTO stage_transitions (name, version, from_stage, to_stage, kind, actor, reason)
       SELECT $1, v, f, t, k, a, r FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
         WITH ORDINALITY AS x(v, f, t, k, a, r, n) ORDER BY n`,
      [
        this.name,
        entries.map((e) => e.version),
        entries.map((e) => e.fromStage),
        entries.map((e) => e.toStage),
        entries.map((e) => e.kind),
        entries.map((e) => e.actor),
        entries.map((e) => e.reason),
      ],
    );
  }

  history(): Promise<StageTransition[]> {
    return historyOf(this.m, this.name);
  }

  async enqueue(item: OutboxItem): Promise<void> {
    await this.m.query(`INSERT INTO outbox (id, topic, payload, correlation_id) VALUES ($1, $2, $3, $4)`, [
      randomUUID(),
      item.topic.name,
      JSON.stringify(item.payload),
      item.correlationId ?? null,
    ]);
  }
}

/** {@link ModelRegistryStore} on the registry's PostgreSQL schema. */
@Injectable()
export class TypeOrmModelRegistryStore extends ModelRegistryStore {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async createModel(
    input: { name: string; description: string | null; tags: readonly KeyValue[] },
    now: number,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const rows = (await m.query(
        `INSERT INTO registered_models (name, description, creation_time, last_updated_time) VALUES ($1, $2, $3, $3)
         ON CONFLICT (name) DO NOTHING RETURNING name`,
        [input.name, input.description, now],
      )) as unknown[];
      if (rows.length === 0) return false;
      if (input.tags.length > 0) {
        await m.query(
          `INSERT INTO registered_model_tags (name, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS x(k, v)
           ON CONFLICT (name, key) DO UPDATE SET value = EXCLUDED.value`,
          [input.name, input.tags.map((t) => t.key), input.tags.map((t) => t.value)],
        );
      }
      return true;
    });
  }

  async getModel(name: string): Promise<RegisteredModel | undefined> {
    const rows = (await this.dataSource.query(`SELECT ${MODEL_COLUMNS} FROM registered_models rm WHERE rm.name = $1`, [
      name,
    ])) as ModelRow[];
    if (rows[0] === undefined) return undefined;
    return (await this.withLatest(rows))[0];
  }

  async searchModels(query: {
    nameLike?: { pattern: string; caseInsensitive: boolean } | undefined;
    maxResults: number;
    offset: number;
  }): Promise<RegisteredModel[]> {
    const params: unknown[] = [query.maxResults + 1, query.offset];
    let where = 'TRUE';
    if (query.nameLike !== undefined) {
      params.push(query.nameLike.pattern);
      where = `rm.name ${query.nameLike.caseInsensitive ? 'ILIKE' : 'LIKE'} $3`;
    }
    const rows = (await this.dataSource.query(
      `SELECT ${MODEL_COLUMNS} FROM registered_models rm WHERE ${where} ORDER BY rm.name LIMIT $1 OFFSET $2`,
      params,
    )) as ModelRow[];
    return this.withLatest(rows);
  }

  /** Adds `latestVersions`: the highest version of each stage (MLflow's latest_versions). */
  private async withLatest(rows: ModelRow[]): Promise<RegisteredModel[]> {
    const names = rows.map((r) => r.name);
    const latest = (await this.dataSource.query(
      `SELECT DISTINCT ON (mv.name, mv.current_stage) ${VERSION_COLUMNS}
         FROM model_versions mv WHERE mv.name = ANY($1::text[]) ORDER BY mv.name, mv.current_stage, mv.version DESC`,
      [names],
    )) as VersionRow[];
    return rows.map((r) => ({
      name: r.name,
      description: r.description,
      creationTime: Number(r.creation_time),
      lastUpdatedTime: Number(r.last_updated_time),
      tags: r.tags ?? [],
      aliases: (r.aliases ?? []).map((a) => ({ alias: a.alias, version: Number(a.version) })),
      latestVersions: latest.filter((v) => v.name === r.name).map(toVersion),
    }));
  }

  async updateModel(name: string, patch: { description?: string | null }, now: number): Promise<boolean> {
    const rows = returned<{ name: string }>(
      await this.dataSource.query(
        `UPDATE registered_models SET description = CASE WHEN $3 THEN $2 ELSE description END, last_updated_time = $4
         WHERE name = $1 RETURNING name`,
        [name, patch.description ?? null, patch.description !== undefined, now],
      ),
    );
    return rows.length > 0;
  }

  async deleteModel(name: string): Promise<boolean> {
    const rows = returned<{ name: string }>(
      await this.dataSource.query(`DELETE FROM registered_models WHERE name = $1 RETURNING name`, [name]),
    );
    return rows.length > 0;
  }

  async setModelTag(name: string, tag: KeyValue): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO registered_model_tags (name, key, value) VALUES ($1, $2, $3) ON CONFLICT (name, key) DO UPDATE SET value = EXCLUDED.value`,
      [name, tag.key, tag.value],
    );
  }

  async getVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${VERSION_COLUMNS} FROM model_versions mv WHERE mv.name = $1 AND mv.version = $2`,
      [name, version],
    )) as VersionRow[];
    return rows[0] && toVersion(rows[0]);
  }

  async searchVersions(query: {
    name?: string | undefined;
    runId?: string | undefined;
    maxResults: number;
    offset: number;
  }): Promise<ModelVersion[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${VERSION_COLUMNS} FROM model_versions mv
        WHERE ($3::text IS NULL OR mv.name = $3) AND ($4::text IS NULL OR mv.run_uuid = $4)
        ORDER BY mv.name, mv.version DESC LIMIT $1 OFFSET $2`,
      [query.maxResults + 1, query.offset, query.name ?? null, query.runId ?? null],
    )) as VersionRow[];
    return rows.map(toVersion);
  }

  async setVersionTag(name: string, version: number, tag: KeyValue): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO model_version_tags (name, version, key, value) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name, version, key) DO UPDATE SET value = EXCLUDED.value`,
      [name, version, tag.key, tag.value],
    );
  }

  async updateVersion(name: string, version: number, patch: { description?: string | null }, now: number): Promise<boolean> {
    const rows = returned<{ name: string }>(
      await this.dataSource.query(
        `UPDATE model_versions SET description = CASE WHEN $4 THEN $3 ELSE description END, last_updated_time = $5
         WHERE name = $1 AND version = $2 RETURNING name`,
        [name, version, patch.description ?? null, patch.description !== undefined, now],
      ),
    );
    return rows.length > 0;
  }

  async deleteVersion(name: string, version: number): Promise<boolean> {
    const rows = returned<{ name: string }>(
      await this.dataSource.query(`DELETE FROM model_versions WHERE name = $1 AND version = $2 RETURNING name`, [name, version]),
    );
    return rows.length > 0;
  }

  withModelLock<T>(name: string, work: (model: LockedModel) => Promise<T>): Promise<T | undefined> {
    return this.dataSource.transaction(async (m) => {
      // The row lock that serializes every change of this model (promotions, versions, aliases).
      const locked = (await m.query(`SELECT name FROM registered_models WHERE name = $1 FOR UPDATE`, [name])) as unknown[];
      if (locked.length === 0) return undefined;
      return work(new PgLockedModel(m, name));
    });
  }

  history(name: string): Promise<StageTransition[]> {
    return historyOf(this.dataSource.manager, name);
  }
}
