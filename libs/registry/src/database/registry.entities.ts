import {
  Column,
  Entity,
  EntitySchema,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  getMetadataArgsStorage,
  type ColumnType,
  type EntitySchemaColumnOptions,
} from 'typeorm';
import { isSqlite } from './sqlite/sqlite-access.js';

/*
 * TypeORM entities of the registry's tables (created by CreateRegistryTables1767398400000; the
 * migration is the source of truth for constraints and indexes). Hot paths (log-batch, search)
 * use set-based SQL through the same EntityManager; the entities serve typed reads and writes elsewhere.
 * bigint columns come back from `pg` as strings: epoch-millisecond times are read with `Number()`.
 */

@Entity({ name: 'experiments' })
export class ExperimentEntity {
  @PrimaryGeneratedColumn('identity', { name: 'experiment_id', type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  experimentId!: string;
  @Column({ type: 'varchar', length: 512 }) name!: string;
  @Column({ name: 'artifact_location', type: 'text' }) artifactLocation!: string;
  @Column({ name: 'lifecycle_stage', type: 'varchar', length: 32 }) lifecycleStage!: string;
  @Column({ name: 'creation_time', type: 'bigint' }) creationTime!: string;
  @Column({ name: 'last_update_time', type: 'bigint' }) lastUpdateTime!: string;
}

@Entity({ name: 'experiment_tags' })
export class ExperimentTagEntity {
  @PrimaryColumn({ name: 'experiment_id', type: 'bigint' }) experimentId!: string;
  @PrimaryColumn({ type: 'varchar', length: 250 }) key!: string;
  @Column({ type: 'text' }) value!: string;
}

@Entity({ name: 'runs' })
export class RunEntity {
  @PrimaryColumn({ name: 'run_uuid', type: 'varchar', length: 32 }) runUuid!: string;
  @Column({ name: 'experiment_id', type: 'bigint' }) experimentId!: string;
  @Column({ type: 'varchar', length: 250 }) name!: string;
  @Column({ name: 'user_id', type: 'varchar', length: 256 }) userId!: string;
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ name: 'start_time', type: 'bigint' }) startTime!: string;
  @Column({ name: 'end_time', type: 'bigint', nullable: true }) endTime!: string | null;
  @Column({ name: 'artifact_uri', type: 'text' }) artifactUri!: string;
  @Column({ name: 'lifecycle_stage', type: 'varchar', length: 32 }) lifecycleStage!: string;
}

@Entity({ name: 'run_tags' })
export class RunTagEntity {
  @PrimaryColumn({ name: 'run_uuid', type: 'varchar', length: 32 }) runUuid!: string;
  @PrimaryColumn({ type: 'varchar', length: 250 }) key!: string;
  @Column({ type: 'text' }) value!: string;
}

@Entity({ name: 'params' })
export class ParamEntity {
  @PrimaryColumn({ name: 'run_uuid', type: 'varchar', length: 32 }) runUuid!: string;
  @PrimaryColumn({ type: 'varchar', length: 250 }) key!: string;
  @Column({ type: 'varchar', length: 6000 }) value!: string;
}

@Entity({ name: 'metrics' })
export class MetricEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column({ name: 'run_uuid', type: 'varchar', length: 32 }) runUuid!: string;
  @Column({ type: 'varchar', length: 250 }) key!: string;
  @Column({ type: 'double precision' }) value!: number;
  @Column({ type: 'bigint' }) timestamp!: string;
  @Column({ type: 'bigint' }) step!: string;
}

@Entity({ name: 'latest_metrics' })
export class LatestMetricEntity {
  @PrimaryColumn({ name: 'run_uuid', type: 'varchar', length: 32 }) runUuid!: string;
  @PrimaryColumn({ type: 'varchar', length: 250 }) key!: string;
  @Column({ type: 'double precision' }) value!: number;
  @Column({ type: 'bigint' }) timestamp!: string;
  @Column({ type: 'bigint' }) step!: string;
}

@Entity({ name: 'artifact_entries' })
export class ArtifactEntryEntity {
  @PrimaryColumn({ type: 'text' }) path!: string;
  @Column({ name: 'run_uuid', type: 'varchar', length: 32, nullable: true }) runUuid!: string | null;
  @Column({ type: 'char', length: 64 }) digest!: string;
  @Column({ name: 'size_bytes', type: 'bigint' }) sizeBytes!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ name: 'registered_models' })
export class RegisteredModelEntity {
  @PrimaryColumn({ type: 'varchar', length: 256 }) name!: string;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @Column({ name: 'creation_time', type: 'bigint' }) creationTime!: string;
  @Column({ name: 'last_updated_time', type: 'bigint' }) lastUpdatedTime!: string;
  @Column({ name: 'last_version', type: 'integer' }) lastVersion!: number;
}

@Entity({ name: 'registered_model_tags' })
export class RegisteredModelTagEntity {
  @PrimaryColumn({ type: 'varchar', length: 256 }) name!: string;
  @PrimaryColumn({ type: 'varchar', length: 250 }) key!: string;
  @Column({ type: 'text' }) value!: string;
}

@Entity({ name: 'model_versions' })
export class ModelVersionEntity {
  @PrimaryColumn({ type: 'varchar', length: 256 }) name!: string;
  @PrimaryColumn({ type: 'integer' }) version!: number;
  @Column({ type: 'text' }) source!: string;
  @Column({ name: 'run_uuid', type: 'varchar', length: 32, nullable: true }) runUuid!: string | null;
  @Column({ name: 'run_link', type: 'text', nullable: true }) runLink!: string | null;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @Column({ type: 'varchar', length: 32 }) status!: string;
  @Column({ name: 'current_stage', type: 'varchar', length: 16 }) currentStage!: string;
  @Column({ name: 'creation_time', type: 'bigint' }) creationTime!: string;
  @Column({ name: 'last_updated_time', type: 'bigint' }) lastUpdatedTime!: string;
  @Column({ name: 'onnx_digest', type: 'char', length: 64, nullable: true }) onnxDigest!: string | null;
  @Column({ type: 'varchar', length: 80, nullable: true }) checksum!: string | null;
  @Column({ name: 'input_schema', type: 'jsonb', nullable: true }) inputSchema!: unknown;
  @Column({ type: 'jsonb', nullable: true }) metrics!: Record<string, number> | null;
  @Column({ type: 'double precision', nullable: true }) threshold!: number | null;
}

@Entity({ name: 'model_version_tags' })
export class ModelVersionTagEntity {
  @PrimaryColumn({ type: 'varchar', length: 256 }) name!: string;
  @PrimaryColumn({ type: 'integer' }) version!: number;
  @PrimaryColumn({ type: 'varchar', length: 250 }) key!: string;
  @Column({ type: 'text' }) value!: string;
}

@Entity({ name: 'model_aliases' })
export class ModelAliasEntity {
  @PrimaryColumn({ type: 'varchar', length: 256 }) name!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) alias!: string;
  @Column({ type: 'integer' }) version!: number;
}

@Entity({ name: 'stage_transitions' })
export class StageTransitionEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column({ type: 'varchar', length: 256 }) name!: string;
  @Column({ type: 'integer' }) version!: number;
  @Column({ name: 'from_stage', type: 'varchar', length: 16 }) fromStage!: string;
  @Column({ name: 'to_stage', type: 'varchar', length: 16 }) toStage!: string;
  @Column({ type: 'varchar', length: 32 }) kind!: string;
  @Column({ type: 'varchar', length: 128 }) actor!: string;
  @Column({ type: 'text' }) reason!: string;
  @Column({ type: 'timestamptz' }) at!: Date;
}

@Entity({ name: 'outbox' })
export class OutboxEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ type: 'varchar', length: 255 }) topic!: string;
  @Column({ type: 'jsonb' }) payload!: unknown;
  @Column({ name: 'correlation_id', type: 'varchar', length: 255, nullable: true }) correlationId!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'published_at', type: 'timestamptz', nullable: true }) publishedAt!: Date | null;
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
}

/** Every entity of the registry, for the DataSource. */
export const registryEntities = [
  ExperimentEntity,
  ExperimentTagEntity,
  RunEntity,
  RunTagEntity,
  ParamEntity,
  MetricEntity,
  LatestMetricEntity,
  ArtifactEntryEntity,
  RegisteredModelEntity,
  RegisteredModelTagEntity,
  ModelVersionEntity,
  ModelVersionTagEntity,
  ModelAliasEntity,
  StageTransitionEntity,
  OutboxEntity,
];

/** Column types of the entities above that SQLite's TypeORM drivers lack, and what stands for them there. */
const SQLITE_TYPES: Readonly<Record<string, ColumnType>> = { timestamptz: 'datetime', char: 'character' };

/**
 * The registry's entities for a driver. PostgreSQL gets the classes above as they are. SQLite gets
 * the same classes (so `getRepository(ModelVersionEntity)` works on both) described by
 * EntitySchemas built from the classes' own decorators, with the two types SQLite's drivers do not
 * know swapped: `timestamptz` -> `datetime` (ISO-8601 text in the SQLite tables, read back as a
 * Date), `char` -> `character`. Identity columns are SQLite rowids.
 */
export function registryEntitiesFor(type: string): ((typeof registryEntities)[number] | EntitySchema)[] {
  if (!isSqlite({ options: { type } })) return [...registryEntities];
  const storage = getMetadataArgsStorage();
  return registryEntities.map((target) => {
    const table = storage.filterTables(target)[0];
    const columns: Record<string, EntitySchemaColumnOptions> = {};
    for (const column of storage.filterColumns(target)) {
      const options = column.options;
      const type = typeof options.type === 'string' ? (SQLITE_TYPES[options.type] ?? options.type) : options.type;
      columns[column.propertyName] = {
        ...(options as EntitySchemaColumnOptions),
        type: type as ColumnType,
        ...(storage.findGenerated(target, column.propertyName) !== undefined ? { generated: 'increment' as const } : {}),
      };
    }
    return new EntitySchema({ name: target.name, target, tableName: table?.name ?? target.name, columns });
  });
}
