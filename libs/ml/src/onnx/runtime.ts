import * as ort from 'onnxruntime-node';
// onnxruntime-node's own synchronous session wrap (typed in dist/binding.d.ts; its public
// `InferenceSession.run` calls the same `run` after a setImmediate): see createPipelineSession.
import { binding, initOrt, type Binding } from 'onnxruntime-node/dist/binding.js';
import { packOnnxInputs, type PackedColumn, type PackedElemType, type PackedInputGroup } from './packed-inputs.js';
import { ONNX_MISSING_CATEGORY } from './pipeline-export.js';

export { packOnnxInputs, type PackedColumn, type PackedElemType, type PackedInputGroup, type PackedOnnxModel } from './packed-inputs.js';

/**
 * Serving helpers around onnxruntime-node. This file imports a native module, so it is exported
 * from the separate entry `libs/ml/src/onnx-runtime.ts`, never from the framework-free core index.
 */

export type OnnxSession = ort.InferenceSession;

/** A raw record as our datasets and the serving API hold it; null/undefined = missing. */
export type RawRow = Readonly<Record<string, number | string | null | undefined>>;

export interface OnnxPipelinePrediction {
  /** Positive-class probability per row (the `probabilities` output's column 1). */
  readonly proba: Float32Array;
  /** The `probabilities` output, row-major [N, 2] (class 0, class 1). */
  readonly probabilities: Float32Array;
  /** The `label` output (ArgMax), per row. */
  readonly label: Int32Array;
}

/**
 * The default session options, for the small batches of online serving (measured on the 100-tree
 * Telco pipeline, bench/serving/README.md): one intra-op thread and sequential execution (no
 * thread pool, no hand-off between threads: a run of 1 to 64 rows is far too small to split),
 * every graph optimization, and thread-pool spinning off (`session.intra_op.allow_spinning` /
 * `session.inter_op.allow_spinning` = '0': when a caller raises the thread counts, idle pool
 * threads sleep instead of burning a core between requests, which on a small shared machine
 * steals the CPU the request path needs).
 */
export const ONNX_SERVING_SESSION_OPTIONS: Readonly<ort.InferenceSession.SessionOptions> = Object.freeze({
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
});

/**
 * Loads an ONNX model (bytes from `exportPipelineDescriptionToOnnx`, `exportEnsembleToOnnx`, or a
 * file) into an onnxruntime session on the CPU.
 *
 * @param options onnxruntime session options, over {@link ONNX_SERVING_SESSION_OPTIONS}.
 */
export async function createOnnxSession(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions = {}): Promise<OnnxSession> {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new TypeError('createOnnxSession: bytes must be a non-empty Uint8Array holding an .onnx model');
  return ort.InferenceSession.create(bytes, { ...ONNX_SERVING_SESSION_OPTIONS, ...options });
}

function numberCell(v: number | string | null | undefined, r: number, name: string): number {
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === 'number') return v;
  const t = v.trim();
  if (t === '') return Number.NaN;
  const x = Number(t);
  if (Number.isNaN(x)) throw new TypeError(`onnxFeeds: row ${r}, column '${name}': '${v}' is not a number`);
  return x;
}

function stringCell(v: number | string | null | undefined): string {
  return v === null || v === undefined ? ONNX_MISSING_CATEGORY : typeof v === 'number' ? String(v) : v;
}

/**
 * The input tensors of an exported pipeline for raw rows: every graph input is one raw column,
 * read from each row by name. Numeric inputs (double or float [N, 1]) take numbers, with
 * null/undefined/NaN -> NaN; a numeric string like "29.85" is parsed, anything else is an error
 * naming the row and column. String inputs take strings, with null/undefined -> '' (the
 * exporter's missing category); numbers are stringified.
 *
 * @throws TypeError naming the row and column of a value that does not fit its input.
 */
export function onnxFeeds(session: OnnxSession, rows: readonly RawRow[]): Record<string, ort.Tensor> {
  const n = rows.length;
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new TypeError(`onnxFeeds: model input '${meta.name}' is not a tensor; only tensor inputs are supported`);
    const name = meta.name;
    if (meta.type === 'string') {
      const data = new Array<string>(n);
      for (let r = 0; r < n; r++) data[r] = stringCell(rows[r]![name]);
      feeds[name] = new ort.Tensor('string', data, [n, 1]);
    } else if (meta.type === 'float64' || meta.type === 'float32') {
      const data = meta.type === 'float64' ? new Float64Array(n) : new Float32Array(n);
      for (let r = 0; r < n; r++) data[r] = numberCell(rows[r]![name], r, name);
      feeds[name] = new ort.Tensor(meta.type, data, [n, 1]);
    } else {
      throw new TypeError(`onnxFeeds: model input '${name}' has type ${meta.type}; expected one raw column as double, float or string [N, 1]`);
    }
  }
  return feeds;
}

/**
 * Runs an exported pipeline on raw rows, fed as `onnxFeeds` describes (one input per raw column).
 *
 * @returns probabilities [N, 2], the positive-class probability and the label per row.
 * @throws TypeError naming the row and column of a value that does not fit its input.
 */
export async function runOnnxPipeline(session: OnnxSession, rows: readonly RawRow[]): Promise<OnnxPipelinePrediction> {
  const n = rows.length;
  if (n === 0) return { proba: new Float32Array(0), probabilities: new Float32Array(0), label: new Int32Array(0) };
  const feeds = onnxFeeds(session, rows);
  const out = await session.run(feeds);
  const probaT = out['probabilities'];
  const labelT = out['label'];
  if (!probaT || !labelT) throw new Error(`runOnnxPipeline: the model must output 'probabilities' and 'label', it outputs ${session.outputNames.join(', ')}`);
  const probabilities = Float32Array.from(probaT.data as Float32Array);
  const proba = new Float32Array(n);
  for (let r = 0; r < n; r++) proba[r] = probabilities[2 * r + 1]!;
  const label = Int32Array.from(labelT.data as BigInt64Array, (v) => Number(v));
  return { proba, probabilities, label };
}

/** One input of a pipeline session as plain data (row-major), e.g. to post to a worker thread. */
export interface PipelineInput {
  readonly type: PackedElemType;
  readonly data: string[] | Float64Array | Float32Array;
  readonly dims: readonly number[];
}

/**
 * An exported pipeline (one graph input per raw column, as `exportPipelineToOnnx` writes) loaded
 * for serving: the session runs the model with its inputs packed ({@link packOnnxInputs}: one
 * tensor per element type instead of one per column, the same numbers) when the graph allows it.
 */
export interface PipelineSession {
  /** The model the session runs (the packed rewrite, or the original bytes), to load it elsewhere too. */
  readonly bytes: Uint8Array;
  /** The raw columns the graph reads, in graph order (the request contract). */
  readonly columns: readonly PackedColumn[];
  /** The graph's outputs. */
  readonly outputNames: readonly string[];
  /** True when the session runs the packed rewrite of the model. */
  readonly packed: boolean;
  /**
   * The inputs of `rows` for this session's graph (packed or per column) as plain data. Values
   * are converted as `onnxFeeds` describes.
   * @throws TypeError naming the row and column of a value that does not fit its input.
   */
  inputs(rows: readonly RawRow[]): Record<string, PipelineInput>;
  /** {@link inputs} as onnxruntime tensors. */
  feeds(rows: readonly RawRow[]): Record<string, ort.Tensor>;
  /**
   * Positive-class probability per row (the `probabilities` output's column 1), computed now, on
   * this thread: the run holds the thread for its duration (about 80 us for one row of the Telco
   * pipeline, a few us more per row).
   */
  probaSync(rows: readonly RawRow[]): Float32Array;
  /** {@link probaSync} as a promise (rejected, not thrown, on bad input). */
  proba(rows: readonly RawRow[]): Promise<Float32Array>;
  release(): Promise<void>;
}

/** onnxruntime's element type codes (ONNX TensorProto.DataType) of the inputs a pipeline may have. */
const ELEMENT_TYPES: Readonly<Record<number, PackedElemType>> = { 1: 'float32', 8: 'string', 11: 'float64' };

/**
 * Loads an exported pipeline for serving: packs its per-column inputs when possible
 * ({@link packOnnxInputs}) and creates the session with {@link ONNX_SERVING_SESSION_OPTIONS}.
 *
 * The session is onnxruntime-node's native one (`onnxruntime-node/dist/binding.js`, the
 * synchronous wrap its public `InferenceSession` is built on), so that a run can happen now:
 * the public `run` defers every run to a `setImmediate` and validates its arguments again, which
 * at one request at a time on a small machine cost about 15% of the request rate (measured,
 * bench/serving/README.md). Same library, same options, same numbers (tests compare it with
 * the public API on every Telco row).
 *
 * Measured on the 100-tree Telco pipeline (19 raw columns, 15 of them strings): one run of 1 row
 * about 40% cheaper packed than per column (bench/serving/README.md).
 *
 * @param options `pack: false` feeds one tensor per column (the exported graph as it is); the rest
 *   are onnxruntime session options over the serving defaults.
 * @throws Error when onnxruntime rejects the model; TypeError when a graph input is not a tensor
 *   of double, float or string (what `onnxFeeds` feeds).
 */
export async function createPipelineSession(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions & { readonly pack?: boolean } = {}): Promise<PipelineSession> {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new TypeError('createPipelineSession: bytes must be a non-empty Uint8Array holding an .onnx model');
  const { pack = true, ...sessionOptions } = options;
  const packedModel = pack ? packOnnxInputs(bytes) : undefined;
  const modelBytes = packedModel?.bytes ?? bytes;
  // As the public InferenceSession.create does it (after a setImmediate: keep the caller's turn short).
  await new Promise<void>((resolve) => setImmediate(resolve));
  initOrt();
  const session = new binding.InferenceSession();
  session.loadModel(modelBytes.buffer as ArrayBuffer, modelBytes.byteOffset, modelBytes.byteLength, { ...ONNX_SERVING_SESSION_OPTIONS, ...sessionOptions });
  const outputNames = Object.freeze(session.outputMetadata.map((m) => m.name));
  const release = (): Promise<void> => {
    session.dispose();
    return Promise.resolve();
  };
  if (!outputNames.includes('probabilities')) {
    await release();
    throw new Error(`createPipelineSession: the model must output 'probabilities', it outputs ${outputNames.join(', ')}`);
  }
  if (packedModel === undefined) {
    const columns: PackedColumn[] = [];
    for (const m of session.inputMetadata) {
      const type = m.isTensor ? ELEMENT_TYPES[m.type] : undefined;
      if (type === undefined) {
        await release();
        throw new TypeError(`createPipelineSession: model input '${m.name}' is ${m.isTensor ? `a tensor of element type ${m.type}` : 'not a tensor'}; expected one raw column as double, float or string [N, 1]`);
      }
      columns.push(Object.freeze({ name: m.name, type }));
    }
    return pipelineSession(session, release, modelBytes, Object.freeze(columns), outputNames, false, (rows) => packedInputs([], columns, rows));
  }
  const { groups, single } = packedModel;
  return pipelineSession(session, release, modelBytes, packedModel.columns, outputNames, true, (rows) => packedInputs(groups, single, rows));
}

/** onnxruntime tensors of plain inputs. */
export function pipelineTensors(inputs: Readonly<Record<string, PipelineInput>>): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name in inputs) {
    const i = inputs[name]!;
    feeds[name] = new ort.Tensor(i.type, i.data, i.dims);
  }
  return feeds;
}

/**
 * Column 1 of a `probabilities` output [N, 2] (the positive class).
 * @param data the output's data, row-major.
 */
export function positiveClass(data: Float32Array, n: number): Float32Array {
  const p = new Float32Array(n);
  for (let r = 0; r < n; r++) p[r] = data[2 * r + 1]!;
  return p;
}

function pipelineSession(
  session: Binding.InferenceSession,
  release: () => Promise<void>,
  bytes: Uint8Array,
  columns: readonly PackedColumn[],
  outputNames: readonly string[],
  packed: boolean,
  inputs: (rows: readonly RawRow[]) => Record<string, PipelineInput>,
): PipelineSession {
  const feeds = (rows: readonly RawRow[]): Record<string, ort.Tensor> => pipelineTensors(inputs(rows));
  const probaSync = (rows: readonly RawRow[]): Float32Array => {
    const n = rows.length;
    if (n === 0) return new Float32Array(0);
    // Only the output we read: onnxruntime then converts one tensor back, not two.
    const out = session.run(feeds(rows), { probabilities: null }, {});
    return positiveClass(out['probabilities']!.data as Float32Array, n);
  };
  return {
    bytes,
    columns,
    outputNames,
    packed,
    inputs,
    feeds,
    probaSync,
    proba(rows) {
      try {
        return Promise.resolve(probaSync(rows));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    release,
  };
}

/** Row-major [N, k] data of the packed groups, plus the single columns as [N, 1]. */
function packedInputs(groups: readonly PackedInputGroup[], single: readonly PackedColumn[], rows: readonly RawRow[]): Record<string, PipelineInput> {
  const n = rows.length;
  const out: Record<string, PipelineInput> = {};
  for (const g of groups) {
    const cols = g.columns;
    const k = cols.length;
    if (g.type === 'string') {
      const data = new Array<string>(n * k);
      for (let r = 0; r < n; r++) {
        const row = rows[r]!;
        for (let j = 0; j < k; j++) data[r * k + j] = stringCell(row[cols[j]!]);
      }
      out[g.input] = { type: 'string', data, dims: [n, k] };
    } else {
      const data = g.type === 'float64' ? new Float64Array(n * k) : new Float32Array(n * k);
      for (let r = 0; r < n; r++) {
        const row = rows[r]!;
        for (let j = 0; j < k; j++) data[r * k + j] = numberCell(row[cols[j]!], r, cols[j]!);
      }
      out[g.input] = { type: g.type, data, dims: [n, k] };
    }
  }
  for (const c of single) {
    if (c.type === 'string') out[c.name] = { type: 'string', data: rows.map((row) => stringCell(row[c.name])), dims: [n, 1] };
    else {
      const data = c.type === 'float64' ? new Float64Array(n) : new Float32Array(n);
      for (let r = 0; r < n; r++) data[r] = numberCell(rows[r]![c.name], r, c.name);
      out[c.name] = { type: c.type, data, dims: [n, 1] };
    }
  }
  return out;
}
