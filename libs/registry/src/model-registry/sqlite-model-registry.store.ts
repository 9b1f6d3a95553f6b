import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SqliteAccess, parseJson, type SqliteQuery } from '../database/sqlite/sqlite-access.js';
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
import {
  toTransition,
  toVersion,
  type ModelRow,
  type TransitionRow,
  type VersionRow,
} from './typeorm-model-registry.store.js';

/*
 * The SQL of TypeOrmModelRegistryStore in SQLite's dialect. The model lock (`SELECT ... FOR
 * UPDATE` on the registered model) is SqliteAccess's queue: a withModelLock transaction runs alone
 * on the database, so two promotions of one model serialize as they do on PostgreSQL.
 */

const VERSION_COLUMNS = `mv.name, mv.version, mv.source, mv.run_uuid, mv.run_link, mv.description, mv.status, mv.current_stage,
  mv.creation_time, mv.last_updated_time, mv.onnx_digest, mv.checksum, mv.input_schema, mv.metrics, mv.threshold,
  (SELECT json_group_array(json_object('key', t.key, 'value', t.value) ORDER BY t.key) FROM model_version_tags t WHERE t.name = mv.name AND t.version = mv.version) AS tags,
  (SELECT json_group_array(a.alias ORDER BY a.alias) FROM model_aliases a WHERE a.name = mv.name AND a.version = mv.version) AS aliases`;

const MODEL_COLUMNS = `rm.name, rm.description, rm.creation_time, rm.last_updated_time,
  (SELECT json_group_array(json_object('key', t.key, 'value', t.value) ORDER BY t.key) FROM registered_model_tags t WHERE t.name = rm.name) AS tags,
  (SELECT json_group_array(json_object('alias', a.alias, 'version', a.version) ORDER BY a.alias) FROM model_aliases a WHERE a.name = rm.name) AS aliases`;

function versionOf(row: VersionRow): ModelVersion {
  return toVersion({
    ...row,
    input_schema: parseJson<unknown>(row.input_schema, null),
    metrics: parseJson<Record<string, number> | null>(row.metrics, null),
    tags: parseJson<KeyValue[]>(row.tags, []),
    aliases: parseJson<string[]>(row.aliases, []),
  });
}

async function versionsOf(q: SqliteQuery, name: string): Promise<ModelVersion[]> {
  const rows = await q.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM model_versions mv WHERE mv.name = ?1 ORDER BY mv.version`,
    [name],
  );
  return rows.map(versionOf);
}

const HISTORY = `SELECT name, version, from_stage, to_stage, kind, actor, reason, at FROM stage_transitions WHERE name = ?1 ORDER BY id`;

class SqliteLockedModel implements LockedModel {
  constructor(
    private readonly q: SqliteQuery,
    readonly name: string,
  ) {}

  versions(): Promise<ModelVersion[]> {
    return versionsOf(this.q, this.name);
  }

  async insertVersion(input: NewModelVersion, now: number): Promise<ModelVersion> {
    const allocated = await this.q.query<{ last_version: number }>(
      `UPDATE registered_models SET last_version = last_version + 1, last_updated_time = ?2 WHERE name = ?1 RETURNING last_version`,
      [this.name, now],
    );
    const version = Number(allocated[0]?.last_version);
    await this.q.query(
      `INSERT INTO model_versions (name, version, source, run_uuid, run_link, description, status, current_stage,
         creation_time, last_updated_time, onnx_digest, checksum, input_schema, metrics, threshold)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'READY', 'None', ?7, ?7, ?8, ?9, ?10, ?11, ?12)`,
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
    const tags = new Map(input.tags.map((t) => [t.key, t.value]));
    for (const [key, value] of tags) {
      await this.q.query(
        `INSERT INTO model_version_tags (name, version, key, value) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value`,
        [this.name, version, key, value],
      );
    }
    const rows = await this.q.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions mv WHERE mv.name = ?1 AND mv.version = ?2`,
      [this.name, version],
    );
    return versionOf(rows[0] as VersionRow);
  }

  async setStage(version: number, stage: Stage, now: number): Promise<void> {
    await this.q.query(
      `UPDATE model_versions SET current_stage = ?3, last_updated_time = ?4 WHERE name = ?1 AND version = ?2`,
      [this.name, version, stage, now],
    );
    await this.q.query(`UPDATE registered_models SET last_updated_time = ?2 WHERE name = ?1`, [
      this.name,
      now,
    ]);
  }

  async aliasVersion(alias: string): Promise<number | undefined> {
    const rows = await this.q.query<{ version: number }>(
      `SELECT version FROM model_aliases WHERE name = ?1 AND alias = ?2`,
      [this.name, alias],
    );
    return rows[0] === undefined ? undefined : Number(rows[0].version);
  }

  async setAlias(alias: string, version: number): Promise<void> {
    await this.q.query(
      `INSERT INTO model_aliases (name, alias, version) VALUES (?1, ?2, ?3) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version`,
      [this.name, alias, version],
    );
  }

  async deleteAlias(alias: string): Promise<boolean> {
    const rows = await this.q.query(
      `DELETE FROM model_aliases WHERE name = ?1 AND alias = ?2 RETURNING alias`,
      [this.name, alias],
    );
    return rows.length > 0;
  }

  async recordTransitions(
    entries: readonly {
      version: number;
      fromStage: Stage;
      toStage: Stage;
      kind: TransitionKind;
      actor: string;
      reason: string;
    }[],
  ): Promise<void> {
    // One statement per entry, in order: `id` (the rowid) keeps the order of the history.
    for (const e of entries) {
      await this.q.query(
        `INSERT INTO stage_transitions (name, version, from_stage, to_stage, kind, actor, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
        [this.name, e.version, e.fromStage, e.toStage, e.kind, e.actor, e.reason],
      );
    }
  }

  async history(): Promise<StageTransition[]> {
    return (await this.q.query<TransitionRow>(HISTORY, [this.name])).map(toTransition);
  }

  async enqueue(item: OutboxItem): Promise<void> {
    await this.q.query(`INSERT INTO outbox (id, topic, payload, correlation_id) VALUES (?1, ?2, ?3, ?4)`, [
      randomUUID(),
      item.topic.name,
      JSON.stringify(item.payload),
      item.correlationId ?? null,
    ]);
  }
}

/** {@link ModelRegistryStore} on the registry's SQLite tables (laptop mode). */
export class SqliteModelRegistryStore extends ModelRegistryStore {
  private readonly db: SqliteAccess;

  constructor(dataSource: DataSource) {
    super();
    this.db = SqliteAccess.of(dataSource);
  }

  createModel(
    input: { name: string; description: string | null; tags: readonly KeyValue[] },
    now: number,
  ): Promise<boolean> {
    return this.db.transaction(async (q) => {
      const rows = await q.query(
        `INSERT INTO registered_models (name, description, creation_time, last_updated_time) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (name) DO NOTHING RETURNING name`,
        [input.name, input.description, now],
      );
      if (rows.length === 0) return false;
      for (const [key, value] of new Map(input.tags.map((t) => [t.key, t.value]))) {
        await q.query(
          `INSERT INTO registered_model_tags (name, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (name, key) DO UPDATE SET value = excluded.value`,
          [input.name, key, value],
        );
      }
      return true;
    });
  }

  async getModel(name: string): Promise<RegisteredModel | undefined> {
    const rows = await this.db.read<ModelRow>(
      `SELECT ${MODEL_COLUMNS} FROM registered_models rm WHERE rm.name = ?1`,
      [name],
    );
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
      where = query.nameLike.caseInsensitive
        ? `lower(rm.name) LIKE lower(?3) ESCAPE '\\'`
        : `rm.name LIKE ?3 ESCAPE '\\'`;
    }
    const rows = await this.db.read<ModelRow>(
      `SELECT ${MODEL_COLUMNS} FROM registered_models rm WHERE ${where} ORDER BY rm.name LIMIT ?1 OFFSET ?2`,
      params,
    );
    return this.withLatest(rows);
  }

  /** Adds `latestVersions`: the highest version of each stage (DISTINCT ON in PostgreSQL, row_number() here). */
  private async withLatest(rows: ModelRow[]): Promise<RegisteredModel[]> {
    const latest = await this.db.read<VersionRow>(
      `SELECT * FROM (
         SELECT ${VERSION_COLUMNS}, row_number() OVER (PARTITION BY mv.name, mv.current_stage ORDER BY mv.version DESC) AS rn
           FROM model_versions mv WHERE mv.name IN (SELECT value FROM json_each(?1))
       ) WHERE rn = 1 ORDER BY name, current_stage`,
      [JSON.stringify(rows.map((r) => r.name))],
    );
    return rows.map((r) => ({
      name: r.name,
      description: r.description,
      creationTime: Number(r.creation_time),
      lastUpdatedTime: Number(r.last_updated_time),
      tags: parseJson<KeyValue[]>(r.tags, []),
      aliases: parseJson<{ alias: string; version: number }[]>(r.aliases, []).map((a) => ({
        alias: a.alias,
        version: Number(a.version),
      })),
      latestVersions: latest.filter((v) => v.name === r.name).map(versionOf),
    }));
  }

  async updateModel(name: string, patch: { description?: string | null }, now: number): Promise<boolean> {
    const rows = await this.db.write(
      `UPDATE registered_models SET description = CASE WHEN ?3 THEN ?2 ELSE description END, last_updated_time = ?4
       WHERE name = ?1 RETURNING name`,
      [name, patch.description ?? null, patch.description !== undefined, now],
    );
    return rows.length > 0;
  }

  async deleteModel(name: string): Promise<boolean> {
    return (
      (await this.db.write(`DELETE FROM registered_models WHERE name = ?1 RETURNING name`, [name])).length > 0
    );
  }

  async setModelTag(name: string, tag: KeyValue): Promise<void> {
    await this.db.write(
      `INSERT INTO registered_model_tags (name, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (name, key) DO UPDATE SET value = excluded.value`,
      [name, tag.key, tag.value],
    );
  }

  async getVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    const rows = await this.db.read<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions mv WHERE mv.name = ?1 AND mv.version = ?2`,
      [name, version],
    );
    return rows[0] && versionOf(rows[0]);
  }

  async searchVersions(query: {
    name?: string | undefined;
    runId?: string | undefined;
    maxResults: number;
    offset: number;
  }): Promise<ModelVersion[]> {
    const rows = await this.db.read<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions mv
        WHERE (?3 IS NULL OR mv.name = ?3) AND (?4 IS NULL OR mv.run_uuid = ?4)
        ORDER BY mv.name, mv.version DESC LIMIT ?1 OFFSET ?2`,
      [query.maxResults + 1, query.offset, query.name ?? null, query.runId ?? null],
    );
    return rows.map(versionOf);
  }

  async setVersionTag(name: string, version: number, tag: KeyValue): Promise<void> {
    await this.db.write(
      `INSERT INTO model_version_tags (name, version, key, value) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value`,
      [name, version, tag.key, tag.value],
    );
  }

  async updateVersion(
    name: string,
    version: number,
    patch: { description?: string | null },
    now: number,
  ): Promise<boolean> {
    const rows = await this.db.write(
      `UPDATE model_versions SET description = CASE WHEN ?4 THEN ?3 ELSE description END, last_updated_time = ?5
       WHERE name = ?1 AND version = ?2 RETURNING name`,
      [name, version, patch.description ?? null, patch.description !== undefined, now],
    );
    return rows.length > 0;
  }

  async deleteVersion(name: string, version: number): Promise<boolean> {
    return (
      (
        await this.db.write(`DELETE FROM model_versions WHERE name = ?1 AND version = ?2 RETURNING name`, [
          name,
          version,
        ])
      ).length > 0
    );
  }

  withModelLock<T>(name: string, work: (model: LockedModel) => Promise<T>): Promise<T | undefined> {
    return this.db.transaction(async (q) => {
      const found = await q.query(`SELECT name FROM registered_models WHERE name = ?1`, [name]);
      if (found.length === 0) return undefined;
      return work(new SqliteLockedModel(q, name));
    });
  }

  async history(name: string): Promise<StageTransition[]> {
    const rows = await this.db.read<TransitionRow>(HISTORY, [name]);
    return rows.map(toTransition);
  }
}
