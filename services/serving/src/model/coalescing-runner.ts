import type { PipelineInput } from '@mlops/ml/onnx-runtime';
import type { ServingRow } from './explainer.js';
import type { PooledModel } from './inference-pool.js';

/** What the runner batches into: a `PipelineSession` (its own session, and its inputs for a pool). */
export interface ProbaModel {
  proba(rows: readonly ServingRow[]): Promise<Float32Array>;
  inputs?(rows: readonly ServingRow[]): Record<string, PipelineInput>;
}

/** A request alone with at most this many rows runs on the caller's thread (no thread hop). */
export const INLINE_MAX_ROWS = 16;
/**
 * A second (third...) run in parallel starts only when this many rows wait: a run costs about
 * 0.1 ms plus a few us per row, so splitting small batches over threads costs CPU and gains nothing.
 */
export const PARALLEL_MIN_ROWS = 32;

interface Pending {
  readonly rows: readonly ServingRow[];
  readonly resolve: (p: Float32Array) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Dynamic batching of one model version (as Triton's dynamic batcher): rows of requests that
 * arrive while runs are in flight (or in the same event-loop turn) go into ONE run, up to
 * `maxRows` rows. One run of 8 rows costs about twice one run of 1 row, so under concurrency this
 * multiplies throughput. Answers are split back in order. Rows must already be checked
 * (`checkRow`): a row onnxruntime rejects fails its whole run.
 *
 * Where a run goes: with an {@link InferencePool} model, batches run on the pool's threads, so the
 * event loop keeps serving while they run (a second run in parallel only when at least
 * {@link PARALLEL_MIN_ROWS} rows wait); a request that is alone (no
 * other request waiting, no run in flight, at most {@link INLINE_MAX_ROWS} rows) runs on this
 * thread's own session instead, where a thread hop would only add latency. Without a pool (or
 * when its threads are gone) every run is inline.
 */
export class CoalescingRunner {
  private queue: Pending[] = [];
  private scheduled = false;
  private draining = false;
  private waiting = false;

  constructor(
    private readonly model: ProbaModel,
    private readonly maxRows = 512,
    private readonly pool?: PooledModel,
  ) {}

  /** Positive-class probability per row. */
  run(rows: readonly ServingRow[]): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      if (!this.scheduled && !this.draining) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.drain();
        });
      }
    });
  }

  private waitingRows(): number {
    let n = 0;
    for (const p of this.queue) n += p.rows.length;
    return n;
  }

  /** The next batch: the oldest requests, up to maxRows rows (a larger request alone). */
  private take(): Pending[] {
    let take = 0;
    let n = 0;
    while (take < this.queue.length && (take === 0 || n + this.queue[take]!.rows.length <= this.maxRows)) n += this.queue[take++]!.rows.length;
    const batch = this.queue.slice(0, take);
    this.queue = this.queue.slice(take);
    return batch;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const pool = this.pool;
        if (pool?.usable && this.model.inputs) {
          const alone = this.queue.length === 1 && this.queue[0]!.rows.length <= INLINE_MAX_ROWS && pool.inFlight === 0;
          if (!alone) {
            // Every thread busy, or a run in flight and too few rows to be worth a parallel run:
            // the next completion drains again (with a bigger batch).
            if (!pool.idle || (pool.inFlight > 0 && this.waitingRows() < PARALLEL_MIN_ROWS)) {
              this.waitForPool(pool);
              break;
            }
            this.dispatch(pool, this.model.inputs, this.take());
            continue;
          }
        }
        const batch = this.take();
        const rows = batch.length === 1 ? batch[0]!.rows : batch.flatMap((b) => b.rows);
        try {
          settle(batch, await this.model.proba(rows));
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Drains again when the pool's next run ends (a run of this model, or of another one sharing the threads). */
  private waitForPool(pool: PooledModel): void {
    if (this.waiting) return;
    this.waiting = true;
    pool.whenIdle(() => {
      this.waiting = false;
      if (this.queue.length > 0) void this.drain();
    });
  }

  private dispatch(pool: PooledModel, inputs: NonNullable<ProbaModel['inputs']>, batch: Pending[]): void {
    const rows = batch.length === 1 ? batch[0]!.rows : batch.flatMap((b) => b.rows);
    let run: Promise<Float32Array>;
    try {
      run = pool.run(inputs(rows), rows.length);
    } catch (error) {
      for (const b of batch) b.reject(error);
      return;
    }
    run.then(
      (probs) => settle(batch, probs),
      (error: unknown) => {
        for (const b of batch) b.reject(error);
      },
    );
  }
}

function settle(batch: readonly Pending[], probs: Float32Array): void {
  if (batch.length === 1) {
    batch[0]!.resolve(probs);
    return;
  }
  let at = 0;
  for (const b of batch) {
    b.resolve(probs.slice(at, at + b.rows.length));
    at += b.rows.length;
  }
}
