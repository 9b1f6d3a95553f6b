import { randomUUID } from 'node:crypto';
import type { ServedPrediction, Variant } from '@mlops/contracts';
import type { Explanation, ServingRow } from '../model/explainer.js';
import type { ModelSlots, ModelSnapshot } from '../model/model-slots.js';
import type { ServedModel } from '../model/served-model.js';
import { routesToChallenger } from './canary-routing.js';
import type { CustomerFeatureReader } from './customer-features.reader.js';
import { checkRow, type PredictionRequest } from './prediction-request.js';
import { ServingError, ServingErrorCode } from './serving.error.js';

/** One answered row. */
export interface Prediction {
  readonly requestId: string;
  readonly probability: number;
  readonly label: 0 | 1;
  readonly threshold: number;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly variant: 'champion' | 'challenger';
  readonly contributions?: Explanation['contributions'];
  readonly baseValue?: number;
}

export interface RoutingSettings {
  /** Alias of the champion / challenger / shadow slots (for `model: { alias }`). */
  readonly aliases: { readonly champion: string; readonly challenger: string; readonly shadow: string };
  readonly canary: { readonly enabled: boolean; readonly share: number };
  readonly shadow: { readonly enabled: boolean };
}

/** Where served predictions go (the event batcher; a metric). */
export interface PredictionSink {
  served(p: ServedPrediction): void;
  /** Rows answered by a model version, per variant. */
  counted(model: ServedModel, variant: Variant, rows: number): void;
  shadowFailed(error: unknown): void;
}

interface Group {
  readonly model: ServedModel;
  readonly variant: 'champion' | 'challenger';
  readonly at: number[];
}

/**
 * Answers prediction requests from the current model snapshot, read ONCE per request: every row of a
 * request is answered by the versions of that snapshot, whatever swaps happen meanwhile. Rows go to
 * the challenger by canary routing (hash of the customer id, else of the row's request id), or all
 * to the alias the request names; the shadow model, when enabled, answers the same rows after the
 * response is computed, and only the prediction-served events carry its answers.
 */
export class PredictionService {
  constructor(
    private readonly slots: ModelSlots,
    private readonly settings: RoutingSettings,
    private readonly sink: PredictionSink,
    private readonly features: CustomerFeatureReader | undefined,
  ) {}

  /** The snapshot a request would use now (for metrics labels). */
  get snapshot(): ModelSnapshot {
    return this.slots.snapshot;
  }

  async predict(request: PredictionRequest, snap: ModelSnapshot = this.slots.snapshot): Promise<Prediction[]> {
    const champion = snap.champion;
    if (champion === undefined) throw new ServingError(ServingErrorCode.NoModel, 'no model is loaded yet; retry shortly (serving_model_version in /metrics shows the served versions)');
    const n = request.inputs.length;
    const ids = new Array<string>(n);
    for (let i = 0; i < n; i++) ids[i] = !request.batch && request.requestId !== undefined ? request.requestId : randomUUID();

    // The model of each row.
    let forced: { model: ServedModel; variant: 'champion' | 'challenger' } | undefined;
    if (request.alias !== undefined) {
      const a = this.settings.aliases;
      if (request.alias === a.champion) forced = { model: champion, variant: 'champion' };
      else if (request.alias === a.challenger && snap.challenger) forced = { model: snap.challenger, variant: 'challenger' };
      else throw ServingError.invalid('model.alias', `alias '${request.alias}' is not served here; served: ${[a.champion, ...(snap.challenger ? [a.challenger] : [])].join(', ')}`);
    }
    const canary = forced === undefined && this.settings.canary.enabled && snap.challenger !== undefined ? this.settings.canary.share : 0;
    const champ: Group = forced ? { ...forced, at: [] } : { model: champion, variant: 'champion', at: [] };
    const chall: Group | undefined = canary > 0 ? { model: snap.challenger!, variant: 'challenger', at: [] } : undefined;
    for (let i = 0; i < n; i++) {
      const input = request.inputs[i]!;
      const key = input.kind === 'customer' ? input.customerId : ids[i]!;
      (chall !== undefined && routesToChallenger(key, canary) ? chall : champ).at.push(i);
    }

    // Rows: raw ones checked against the columns of their model; customers read from the feature store.
    const rows = new Array<ServingRow>(n);
    const groups = chall && chall.at.length > 0 ? (champ.at.length > 0 ? [champ, chall] : [chall]) : [champ];
    for (const g of groups) {
      const wanted: number[] = [];
      for (const i of g.at) {
        const input = request.inputs[i]!;
        if (input.kind === 'raw') rows[i] = checkRow(input.values, g.model.columns, g.model.columnIndex, input.field);
        else wanted.push(i);
      }
      if (wanted.length > 0) await this.readCustomers(request, wanted, g.model, rows);
    }

    if (request.explainK > 0) {
      for (const g of groups)
        if (g.model.explainer === undefined)
          throw new ServingError(ServingErrorCode.ExplainUnavailable, `explanations are not available for ${g.model.key}: the version has no explainer artifact (model/explainer.json of its training run, logged by training since explanations of registry versions exist); register a version trained since, or ask without explain`, 'explain');
    }

    const out = new Array<Prediction>(n);
    const servedAt = new Date().toISOString();
    await Promise.all(groups.map((g) => this.answer(g, request, rows, ids, out, servedAt)));

    const shadow = this.settings.shadow.enabled ? snap.shadow : undefined;
    if (shadow !== undefined) setImmediate(() => void this.runShadow(shadow, request, rows, ids).catch((e: unknown) => this.sink.shadowFailed(e)));
    return out;
  }

  private async answer(g: Group, request: PredictionRequest, rows: ServingRow[], ids: string[], out: Prediction[], servedAt: string): Promise<void> {
    const groupRows = g.at.length === rows.length ? rows : g.at.map((i) => rows[i]!);
    const started = performance.now();
    const proba = await runProba(g.model, groupRows);
    const latencyMs = performance.now() - started;
    const { name, version, threshold } = g.model.metadata;
    for (let j = 0; j < g.at.length; j++) {
      const i = g.at[j]!;
      const probability = proba[j]!;
      const label: 0 | 1 = probability >= threshold ? 1 : 0;
      const input = request.inputs[i]!;
      let p: Prediction = { requestId: ids[i]!, probability, label, threshold, modelName: name, modelVersion: version, variant: g.variant };
      if (request.explainK > 0) {
        const e = g.model.explainer!.explain(rows[i]!, request.explainK);
        p = { ...p, contributions: e.contributions, baseValue: e.baseValue };
      }
      out[i] = p;
      this.sink.served({
        requestId: p.requestId,
        ...(input.kind === 'customer' ? { customerId: input.customerId } : {}),
        modelName: name,
        modelVersion: version,
        variant: g.variant,
        probability,
        label,
        threshold,
        latencyMs,
        features: rows[i] as Record<string, number | string | null>,
        servedAt,
      });
    }
    this.sink.counted(g.model, g.variant, g.at.length);
  }

  private async runShadow(model: ServedModel, request: PredictionRequest, rows: ServingRow[], ids: string[]): Promise<void> {
    // The shadow may read other columns than the answering model: check each row against its own.
    const own = rows.map((r, i) => {
      const input = request.inputs[i]!;
      return checkRow(input.kind === 'raw' ? input.values : r, model.columns, model.columnIndex, input.field);
    });
    const started = performance.now();
    const proba = await runProba(model, own);
    const latencyMs = performance.now() - started;
    const servedAt = new Date().toISOString();
    const { name, version, threshold } = model.metadata;
    for (let i = 0; i < own.length; i++) {
      const input = request.inputs[i]!;
      const probability = proba[i]!;
      this.sink.served({
        requestId: ids[i]!,
        ...(input.kind === 'customer' ? { customerId: input.customerId } : {}),
        modelName: name,
        modelVersion: version,
        variant: 'shadow',
        probability,
        label: probability >= threshold ? 1 : 0,
        threshold,
        latencyMs,
        features: own[i] as Record<string, number | string | null>,
        servedAt,
      });
    }
    this.sink.counted(model, 'shadow', own.length);
  }

  private async readCustomers(request: PredictionRequest, at: readonly number[], model: ServedModel, rows: ServingRow[]): Promise<void> {
    if (this.features === undefined) throw ServingError.invalid(request.inputs[at[0]!]!.field, 'customer ids need the feature store, which this instance does not use; send raw columns');
    const ids = at.map((i) => (request.inputs[i] as { customerId: string }).customerId);
    const found = await this.features.read(ids, model.columns);
    for (let j = 0; j < at.length; j++) {
      const row = found[j];
      const input = request.inputs[at[j]!]!;
      if (row === null || row === undefined) throw new ServingError(ServingErrorCode.UnknownCustomer, `${input.field}: customer '${ids[j]}' has no features in the online store (never materialized, or expired)`, input.field);
      rows[at[j]!] = checkRow(row, model.columns, model.columnIndex, input.field);
    }
  }
}

/** Positive-class probabilities of rows (batched with concurrent requests to the same model). */
export function runProba(model: ServedModel, rows: readonly ServingRow[]): Promise<Float32Array> {
  return model.runner.run(rows);
}
