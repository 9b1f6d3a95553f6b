import { createPipelineSession, type PipelineSession } from '@mlops/ml/onnx-runtime';
import { CoalescingRunner } from './coalescing-runner.js';
import { sharedInferencePool, type InferencePool, type PooledModel } from './inference-pool.js';
import type { ModelExplainer } from './explainer.js';
import type { InputColumn, ModelMetadata } from './model-metadata.js';
import type { ModelArtifact } from './model-source.js';

/** One loaded model version; immutable once built (swaps replace the whole object). */
export interface ServedModel {
  readonly metadata: ModelMetadata;
  /** The onnxruntime session of this thread, fed with packed inputs (`createPipelineSession`). */
  readonly pipeline: PipelineSession;
  /** The same model in the inference threads (undefined: every run on this thread). */
  readonly pooled: PooledModel | undefined;
  /** Releases the sessions (this thread's and the pool's). */
  release(): Promise<void>;
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
 * Builds a {@link ServedModel}: creates the onnxruntime session (fully, before anyone can see it; its
 * per-column inputs packed into one tensor per element type, the same numbers) and takes the input
 * columns from the graph; the metadata's `inputSchema` must name the same columns with the same kinds.
 * The model is loaded into every thread of the inference pool too (`sharedInferencePool()` unless
 * `pool` is given; `null`: none) before this returns, so a swap publishes a model every thread has.
 * @throws Error when the graph and the metadata disagree, the graph lacks the pipeline outputs, or
 *   an inference thread cannot load it.
 */
export async function loadServedModel(artifact: ModelArtifact, explainer?: ModelExplainer, pool: InferencePool | null = sharedInferencePool() ?? null): Promise<ServedModel> {
  const { metadata } = artifact;
  const key = `${metadata.name}@${metadata.version}`;
  let pipeline: PipelineSession;
  try {
    pipeline = await createPipelineSession(artifact.bytes);
  } catch (error) {
    throw new Error(`${key}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const columns: InputColumn[] = pipeline.columns.map((c) => Object.freeze({ name: c.name, type: c.type === 'string' ? 'string' : 'number' }));
    const declared = new Map(metadata.inputSchema.map((c) => [c.name, c]));
    for (const c of columns) {
      const d = declared.get(c.name);
      if (d === undefined) throw new Error(`${key}: the ONNX graph reads column '${c.name}', which the metadata inputSchema does not list`);
      if (d.type !== c.type) throw new Error(`${key}: column '${c.name}' is ${c.type} in the ONNX graph but ${d.type} in the metadata`);
    }
    for (const out of ['probabilities', 'label'])
      if (!pipeline.outputNames.includes(out)) throw new Error(`${key}: the ONNX graph has no '${out}' output (outputs: ${pipeline.outputNames.join(', ')})`);
    const pooled = pool !== null ? await pool.load(pipeline.bytes) : undefined;
    return Object.freeze({
      metadata,
      pipeline,
      pooled,
      release: async () => {
        pooled?.release();
        await pipeline.release();
      },
      runner: new CoalescingRunner(pipeline, 512, pooled),
      columns: Object.freeze(columns),
      columnIndex: new Map(columns.map((c) => [c.name, c])),
      explainer,
      key,
    });
  } catch (error) {
    await pipeline.release();
    throw error;
  }
}
