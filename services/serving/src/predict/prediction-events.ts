import { servedPredictionJson, type ServedPrediction, type ServedPredictionJson } from '@mlops/contracts';

export interface PredictionEventBatcherOptions {
  /** Predictions per event (at most 1000, the contract's limit). */
  readonly maxBatch: number;
  readonly flushIntervalMs: number;
  /** Predictions held while the broker is slow or down; beyond it new ones are dropped (and counted). */
  readonly maxBuffered: number;
  /**
   * Publishes one batch (one prediction-served event) of prediction texts, each already validated
   * against the contract; a rejection puts the batch back in the buffer (bounded).
   */
  readonly publish: (predictions: readonly ServedPredictionJson[]) => Promise<void>;
  /** Predictions not published: the buffer was full, a failed batch did not fit back, or one broke the contract. */
  readonly onDrop?: (count: number) => void;
  readonly onError?: (error: unknown) => void;
  /**
   * A prediction broke the contract (a bug in serving): it is dropped (and counted by `onDrop`),
   * never thrown into the request; the error (a ContractValidationError) names the bad fields.
   */
  readonly onInvalid?: (error: unknown) => void;
}

/**
 * Collects served predictions and publishes them in batches: when `maxBatch` are waiting, or every
 * `flushIntervalMs`. `add` never waits and never throws: the response path does not block on Kafka.
 * Each prediction is validated and serialized once, in `add` (`servedPredictionJson`: the contract's
 * fast path and `JSON.stringify`, a few microseconds), and only its JSON text is kept: the
 * publisher wraps the texts into the event by concatenation, with no object graph held, cloned
 * to another thread or parsed again.
 * One publish runs at a time; while it runs, new predictions wait in a bounded buffer
 * (`maxBuffered`); past it the newest are dropped and `onDrop` counts them.
 */
export class PredictionEventBatcher {
  private buffer: ServedPredictionJson[] = [];
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  dropped = 0;
  published = 0;

  constructor(private readonly options: PredictionEventBatcherOptions) {
    if (!(options.maxBatch >= 1 && options.maxBatch <= 1000)) throw new Error(`maxBatch must be 1..1000 (the contract's limit), got ${options.maxBatch}`);
    if (!(options.maxBuffered >= options.maxBatch)) throw new Error(`maxBuffered (${options.maxBuffered}) must be at least maxBatch (${options.maxBatch})`);
  }

  /** Starts the flush timer. */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Validates and serializes `p`, then buffers its text; drops it (counted) when the buffer is full or it breaks the contract. */
  add(p: ServedPrediction): void {
    if (this.buffer.length >= this.options.maxBuffered) {
      this.dropped++;
      this.options.onDrop?.(1);
      return;
    }
    let json: ServedPredictionJson;
    try {
      json = servedPredictionJson(p);
    } catch (error) {
      this.dropped++;
      this.options.onDrop?.(1);
      this.options.onInvalid?.(error);
      return;
    }
    this.buffer.push(json);
    if (this.buffer.length >= this.options.maxBatch && this.inFlight === undefined) this.flush();
  }

  /** Publishes what is buffered (in batches of maxBatch) unless a publish is running; never throws. */
  flush(): void {
    if (this.inFlight !== undefined || this.buffer.length === 0) return;
    const batch = this.buffer.length <= this.options.maxBatch ? this.buffer : this.buffer.slice(0, this.options.maxBatch);
    this.buffer = batch === this.buffer ? [] : this.buffer.slice(this.options.maxBatch);
    this.inFlight = this.options
      .publish(batch)
      .then(() => {
        this.published += batch.length;
      })
      .catch((error: unknown) => {
        this.options.onError?.(error);
        // Put the batch back in front, within the bound; the overflow is dropped.
        const room = Math.max(0, this.options.maxBuffered - this.buffer.length);
        const back = batch.slice(0, room);
        if (batch.length > back.length) {
          this.dropped += batch.length - back.length;
          this.options.onDrop?.(batch.length - back.length);
        }
        this.buffer = back.concat(this.buffer);
        if (!this.closed) return new Promise<void>((r) => setTimeout(r, 200).unref());
        return undefined;
      })
      .finally(() => {
        this.inFlight = undefined;
        if (!this.closed && this.buffer.length >= this.options.maxBatch) this.flush();
      });
  }

  /** Stops the timer and publishes what is buffered (one attempt per batch). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.closed = true;
    for (;;) {
      if (this.inFlight) {
        await this.inFlight;
        continue;
      }
      if (this.buffer.length === 0) break;
      const before = this.buffer.length;
      this.flush();
      await this.inFlight;
      if (this.buffer.length >= before) break; // publishing fails: give up, the rest is lost
    }
    this.closed = true;
  }
}
