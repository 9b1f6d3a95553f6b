import { createOnnxSession, type OnnxSession } from '@mlops/ml/onnx-runtime';
import { CoalescingRunner } from './coalescing-runner.js';
import type { ModelExplainer } from './explainer.js';
import type { InputColumn, ModelMetadata } from './model-metadata.js';
import type { ModelArtifact } from './model-source.js';

/** One loaded model version; immutable once built (swaps replace the whole object). */
export interface ServedModel {
  readonly metadata: ModelMetadata;
  readonly session: OnnxSession;
  /** Runs rows through the session, batching concurrent requests into one run. */
  readonly runner: CoalescingRunner;
  /** The raw columns the ONNX graph reads (its inputs), in graph order: the request contract. */
  readonly columns: readonly InputColumn[];
  readonly columnIndex: ReadonlyMap<string, InputColumn>;
  readonly explainer: ModelExplainer | undefined;
  /** `name@version`. */
  readonly key: string;
}

/**
 * Builds a {@link ServedModel}: creates the onnxruntime session (fully, before anyone can see it) and
 * takes the input columns from the graph; the metadata's `inputSchema` must name the same columns
 * with the same kinds.
 * @throws Error when the graph and the metadata disagree or the graph lacks the pipeline outputs.
 */
export async function loadServedModel(artifact: ModelArtifact, explainer?: ModelExplainer): Promise<ServedModel> {
  const { metadata } = artifact;
  const key = `${metadata.name}@${metadata.version}`;
  const session = await createOnnxSession(artifact.bytes);
  try {
    const columns: InputColumn[] = session.inputMetadata.map((m) => {
      if (!m.isTensor) throw new Error(`${key}: ONNX input '${m.name}' is not a tensor`);
      const type = m.type === 'string' ? 'string' : m.type === 'float64' || m.type === 'float32' ? 'number' : null;
      if (type === null) throw new Error(`${key}: ONNX input '${m.name}' has type ${m.type}; expected one raw column (double or string)`);
      return Object.freeze({ name: m.name, type });
    });
    const declared = new Map(metadata.inputSchema.map((c) => [c.name, c]));
    for (const c of columns) {
      const d = declared.get(c.name);
      if (d === undefined) throw new Error(`${key}: the ONNX graph reads column '${c.name}', which the metadata inputSchema does not list`);
      if (d.type !== c.type) throw new Error(`${key}: column '${c.name}' is ${c.type} in the ONNX graph but ${d.type} in the metadata`);
    }
    for (const out of ['probabilities', 'label'])
      if (!session.outputNames.includes(out)) throw new Error(`${key}: the ONNX graph has no '${out}' output (outputs: ${session.outputNames.join(', ')})`);
    return Object.freeze({
      metadata,
      session,
      runner: new CoalescingRunner(session),
      columns: Object.freeze(columns),
      columnIndex: new Map(columns.map((c) => [c.name, c])),
      explainer,
      key,
    });
  } catch (error) {
    await session.release();
    throw error;
  }
}
