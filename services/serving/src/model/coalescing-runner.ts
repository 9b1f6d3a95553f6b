import type { PipelineInput } from '@mlops/ml/onnx-runtime';
import type { ServingRow } from './explainer.js';
import type { PooledModel } from './inference-pool.js';

/** What the runner batches into: a `PipelineSession` (its own session, and its inputs for a pool). */
export interface ProbaModel {
  proba(rows: readonly ServingRow[]): Promise<Float32Array>;
  inputs?(rows: readonly ServingRow[]): Record<string, PipelineInput>;
}

/**
 * A run of at most this many rows happens on the caller's thread: onnxruntime's cost of a small
 * run is mostly per run (about 80 us for 1 row, 110 us for 8, 640 us for 64 rows of the Telco
 * pipeline), less than handing the rows to a thread and back costs the event loop (structured
 * clone, a wake-up of the thread, the answer's message). Larger runs go to the pool, so a batch
 * request of hundreds of rows does not hold the event loop.
 */
export const INLINE_MAX_ROWS = 64;

interface Pending {
  readonly rows: readonly ServingRow[];
  readonly resolve: (p: Float32Array) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Dynamic batching of one model version (as Triton's dynamic batcher): rows of requests that
 * arrive in the same event-loop turn (or while a pool run is in flight) go into ONE run, up to
 * `maxRows` rows. One run of 8 rows costs about 1.4 times one run of 1 row, so under concurrency
 * this multiplies throughput. Answers are split back in order. Rows must already be checked
 * (`checkRow`): a row onnxruntime rejects fails its whole run.
 *
 * Where a run goes: a batch of at most {@link INLINE_MAX_ROWS} rows runs on this thread's own
 * session, right away; a larger one on an idle thread of the {@link InferencePool} (when every
 * thread is busy it waits for the next to end, with what arrives meanwhile). Without a pool (or
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
      if (!this.scheduled && !this.draining && !this.waiting) {
        // After the other requests of this turn (the sockets read in the same poll) have queued theirs.
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.drain();
        });
      }
    });
  }

  /** The next batch: how many of the oldest requests, and their rows (up to maxRows; a larger request alone). */
  private nextBatch(): { readonly requests: number; readonly rows: number } {
    let requests = 0;
    let rows = 0;
    while (requests < this.queue.length && (requests === 0 || rows + this.queue[requests]!.rows.length <= this.maxRows)) rows += this.queue[requests++]!.rows.length;
    return { requests, rows };
  }

  /** Removes the first `requests` requests from the queue. */
  private take(requests: number): Pending[] {
    const batch = this.queue.slice(0, requests);
    this.queue = this.queue.slice(requests);
    return batch;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const pool = this.pool;
        const next = this.nextBatch();
        if (pool?.usable && this.model.inputs && next.rows > INLINE_MAX_ROWS) {
          if (!pool.idle) {
            // Every thread busy: the next completion drains again (with what arrived meanwhile).
            this.waitForPool(pool);
            break;
          }
          this.dispatch(pool, this.model.inputs, this.take(next.requests));
          continue;
        }
        const batch = this.take(next.requests);
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
      if (this.queue.length > 0 && !this.scheduled) void this.drain();
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
