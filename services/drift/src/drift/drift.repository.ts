import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ColumnDriftResult } from '@mlops/drift';

export interface StoredReference {
  datasetId: string;
  source: 'explicit' | 'first-validated';
  setAt: Date;
}

/** A stored drift check (one comparison) with its per-column results. */
export interface StoredCheck {
  checkId: string;
  datasetId: string | null;
  window: { modelName: string | null; start: Date; end: Date } | null;
  referenceId: string;
  driftedShare: number;
  driftShareThreshold: number;
  datasetDrift: boolean;
  columns: ColumnDriftResult[];
  createdAt: Date;
}

/** One served prediction's inputs, kept for live-window checks. */
export interface ServedInput {
  requestId: string;
  modelName: string;
  modelVersion: number;
  servedAt: string;
  features: Record<string, string | number | null>;
}

/** Storage of the drift service (its PostgreSQL schema `drift`). Writes go through the consumer's `tx`. */
export abstract class DriftStore {
  abstract currentReference(tx?: EntityManager): Promise<StoredReference | undefined>;
  abstract setReference(
    tx: EntityManager | undefined,
    datasetId: string,
    source: StoredReference['source'],
  ): Promise<StoredReference>;
  abstract saveCheck(
    tx: EntityManager | undefined,
    check: Omit<StoredCheck, 'createdAt'>,
    eventId: string | null,
  ): Promise<void>;
  abstract latestCheck(datasetId: string): Promise<StoredCheck | undefined>;
  abstract getCheck(checkId: string): Promise<StoredCheck | undefined>;
  /** Inserts served inputs (a redelivered request id is ignored). */
  abstract addServedInputs(tx: EntityManager | undefined, rows: readonly ServedInput[]): Promise<void>;
  /** The most recent `limit` inputs served in [from, to), optionally of one model, oldest first. */
  abstract servedInputs(from: Date, to: Date, limit: number, modelName?: string): Promise<ServedInput[]>;
}

interface CheckRow {
  id: string;
  dataset_id: string | null;
  model_name: string | null;
  window_start: Date | null;
  window_end: Date | null;
  reference_id: string;
  drifted_share: number;
  drift_share_threshold: number;
  dataset_drift: boolean;
  created_at: Date;
}

interface ColumnRow {
  column_name: string;
  column_type: 'numeric' | 'categorical';
  test: ColumnDriftResult['test'];
  statistic: number;
  p_value: number | null;
  threshold: number;
  drifted: boolean;
  reference_count: number;
  current_count: number;
  n_unique: number;
}

/** {@link DriftStore} in PostgreSQL. */
@Injectable()
export class PgDriftStore extends DriftStore {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    super();
  }

  private m(tx?: EntityManager): EntityManager {
    return tx ?? this.dataSource.manager;
  }

  async currentReference(tx?: EntityManager): Promise<StoredReference | undefined> {
    const rows = (await this.m(tx).query(
      'SELECT dataset_id, source, set_at FROM drift_references ORDER BY id DESC LIMIT 1',
    )) as { dataset_id: string; source: StoredReference['source']; set_at: Date }[];
    const r = rows[0];
    return r === undefined ? undefined : { datasetId: r.dataset_id, source: r.source, setAt: r.set_at };
  }

  async setReference(
    tx: EntityManager | undefined,
    datasetId: string,
    source: StoredReference['source'],
  ): Promise<StoredReference> {
    const rows = (await this.m(tx).query(
      'INSERT INTO drift_references (dataset_id, source) VALUES ($1, $2) RETURNING set_at',
      [datasetId, source],
    )) as { set_at: Date }[];
    return { datasetId, source, setAt: (rows[0] as { set_at: Date }).set_at };
  }

  async saveCheck(
    tx: EntityManager | undefined,
    c: Omit<StoredCheck, 'createdAt'>,
    eventId: string | null,
  ): Promise<void> {
    const m = this.m(tx);
    await m.query(
      `INSERT INTO drift_checks (id, dataset_id, model_name, window_start, window_end, reference_id,
         drifted_share, drift_share_threshold, dataset_drift, event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        c.checkId,
        c.datasetId,
        c.window?.modelName ?? null,
        c.window?.start ?? null,
        c.window?.end ?? null,
        c.referenceId,
        c.driftedShare,
        c.driftShareThreshold,
        c.datasetDrift,
        eventId,
      ],
    );
    const params: unknown[] = [];
    const values = c.columns.map((col, i) => {
      params.push(
        c.checkId,
        col.column,
        col.type,
        col.test,
        // PostgreSQL double precision takes Infinity (chi-square with a category absent from the reference).
        col.statistic,
        col.pValue ?? null,
        col.threshold,
        col.drifted,
        col.referenceCount,
        col.currentCount,
        col.nUnique,
      );
      const b = i * 11;
      return `(${Array.from({ length: 11 }, (_, k) => `$${b + k + 1}`).join(', ')})`;
    });
    await m.query(
      `INSERT INTO drift_column_results (check_id, column_name, column_type, test, statistic, p_value,
         threshold, drifted, reference_count, current_count, n_unique) VALUES ${values.join(', ')}`,
      params,
    );
  }

  async latestCheck(datasetId: string): Promise<StoredCheck | undefined> {
    const rows = (await this.dataSource.query(
      'SELECT * FROM drift_checks WHERE dataset_id = $1 ORDER BY created_at DESC LIMIT 1',
      [datasetId],
    )) as CheckRow[];
    return rows[0] === undefined ? undefined : this.withColumns(rows[0]);
  }

  async getCheck(checkId: string): Promise<StoredCheck | undefined> {
    const rows = (await this.dataSource.query('SELECT * FROM drift_checks WHERE id = $1', [
      checkId,
    ])) as CheckRow[];
    return rows[0] === undefined ? undefined : this.withColumns(rows[0]);
  }

  private async withColumns(r: CheckRow): Promise<StoredCheck> {
    const cols = (await this.dataSource.query(
      'SELECT * FROM drift_column_results WHERE check_id = $1 ORDER BY column_name',
      [r.id],
    )) as ColumnRow[];
    return {
      checkId: r.id,
      datasetId: r.dataset_id,
      window:
        r.window_start !== null && r.window_end !== null
          ? { modelName: r.model_name, start: r.window_start, end: r.window_end }
          : null,
      referenceId: r.reference_id,
      driftedShare: r.drifted_share,
      driftShareThreshold: r.drift_share_threshold,
      datasetDrift: r.dataset_drift,
      createdAt: r.created_at,
      columns: cols.map((c) => ({
        column: c.column_name,
        type: c.column_type,
        test: c.test,
        statistic: c.statistic,
        ...(c.p_value !== null ? { pValue: c.p_value } : {}),
        threshold: c.threshold,
        drifted: c.drifted,
        referenceCount: c.reference_count,
        currentCount: c.current_count,
        nUnique: c.n_unique,
      })),
    };
  }

  async addServedInputs(tx: EntityManager | undefined, rows: readonly ServedInput[]): Promise<void> {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    const values = rows.map((r, i) => {
      params.push(r.requestId, r.modelName, r.modelVersion, r.servedAt, JSON.stringify(r.features));
      const b = i * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb)`;
    });
    await this.m(tx).query(
      `INSERT INTO served_inputs (request_id, model_name, model_version, served_at, features)
       VALUES ${values.join(', ')} ON CONFLICT (request_id) DO NOTHING`,
      params,
    );
  }

  async servedInputs(from: Date, to: Date, limit: number, modelName?: string): Promise<ServedInput[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM (
         SELECT request_id, model_name, model_version, served_at, features FROM served_inputs
         WHERE served_at >= $1 AND served_at < $2 AND ($4::text IS NULL OR model_name = $4)
         ORDER BY served_at DESC LIMIT $3) w
       ORDER BY served_at`,
      [from, to, limit, modelName ?? null],
    )) as {
      request_id: string;
      model_name: string;
      model_version: number;
      served_at: Date;
      features: ServedInput['features'];
    }[];
    return rows.map((r) => ({
      requestId: r.request_id,
      modelName: r.model_name,
      modelVersion: r.model_version,
      servedAt: r.served_at.toISOString(),
      features: r.features,
    }));
  }
}
