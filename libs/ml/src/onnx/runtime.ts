import * as ort from 'onnxruntime-node';
import { ONNX_MISSING_CATEGORY } from './pipeline-export.js';

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
 * Loads an ONNX model (bytes from `exportPipelineDescriptionToOnnx`, `exportEnsembleToOnnx`, or a
 * file) into an onnxruntime session on the CPU.
 *
 * @param options onnxruntime session options; by default one intra-op thread, which is the
 *   fastest setting for the small batches of online serving.
 */
export async function createOnnxSession(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions = {}): Promise<OnnxSession> {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new TypeError('createOnnxSession: bytes must be a non-empty Uint8Array holding an .onnx model');
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, executionProviders: ['cpu'], ...options });
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
      for (let r = 0; r < n; r++) {
        const v = rows[r]![name];
        data[r] = v === null || v === undefined ? ONNX_MISSING_CATEGORY : typeof v === 'number' ? String(v) : v;
      }
      feeds[name] = new ort.Tensor('string', data, [n, 1]);
    } else if (meta.type === 'float64' || meta.type === 'float32') {
      const data = meta.type === 'float64' ? new Float64Array(n) : new Float32Array(n);
      for (let r = 0; r < n; r++) {
        const v = rows[r]![name];
        let x: number;
        if (v === null || v === undefined) x = Number.NaN;
        else if (typeof v === 'number') x = v;
        else {
          x = v.trim() === '' ? Number.NaN : Number(v);
          if (Number.isNaN(x) && v.trim() !== '') throw new TypeError(`onnxFeeds: row ${r}, column '${name}': '${v}' is not a number`);
        }
        data[r] = x;
      }
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
