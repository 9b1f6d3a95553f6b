import { Worker } from 'node:worker_threads';
import type { ServedPredictionJson } from '@mlops/contracts';
import type { KafkaConnectionOptions, PublisherCompression } from '@mlops/messaging';

/** What the worker needs to open its own idempotent Kafka producer (plain data: it crosses threads). */
export interface WorkerPublisherConnection extends KafkaConnectionOptions {
  /** The envelope's `producer` field (the service name). */
  readonly producerName: string;
  /** Record batch compression of the events (`serving.prediction_events.compression`). */
  readonly compression: PublisherCompression;
}

export interface WorkerEventPublisherOptions {
  readonly connection: WorkerPublisherConnection;
  /** The worker's kafkajs and publisher logs (warn and error). */
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

/**
 * The events thread's heap. A small young generation (4 MB instead of V8's default, about 16 MB per
 * semi-space): V8 starts a full mark-compact as soon as the old generation's headroom is smaller
 * than the young generation, and with the default young generation that was every 0.3 to 0.5 s at
 * 11,000 predictions/s (a 17 MB live heap: kafkajs, the contracts), each a 4 to 18 ms pause of the
 * thread plus concurrent marking on V8's helper threads, all competing with the event loop for the
 * cores. With 4 MB: 1 to 2 mark-compacts in 7 s instead of 10 to 14, more but cheap scavenges (the
 * batches are garbage once produced), and at 50 connections a p99 of 8.9 to 10.1 ms instead of 9.7 to
 * 11.8 (bench/serving/README.md, 5 alternating rounds).
 */
const EVENTS_THREAD_HEAP = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 4 } as const;

interface Waiting {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

type FromWorker =
  | { readonly t: 'published'; readonly id: number }
  | { readonly t: 'failed'; readonly id: number; readonly error: string }
  | { readonly t: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly message: string; readonly fields: Record<string, unknown> }
  | { readonly t: 'closed' };

/**
 * Publishes prediction-served batches from a worker thread with its own Kafka producer
 * (`@mlops/messaging`'s `KafkaEventPublisher`: the same envelope headers, queue and idempotent
 * producer as the service's `EventPublisher`).
 *
 * The main thread validates and serializes each prediction when it is served
 * (`servedPredictionJson`, see `PredictionEventBatcher`) and posts a batch as an array of JSON
 * texts (strings: copied, not walked as object graphs). The thread wraps them into the envelope by
 * string concatenation (`predictionServedEventJson`: no parse, no validation again) and produces
 * the event with `sendPrepared`.
 *
 * Why still a thread: producing a batch means compressing it (snappy, `compression`) and kafkajs
 * encoding the produce request with its pure-JavaScript crc32c: about 2 ms for 500 predictions
 * (4.4 us each, `bench/serving/events.bench.mjs`; twice that uncompressed), which on the event loop
 * every request in flight would wait for (the p99), plus the producer's own buffers and retries.
 * Here it runs on another core.
 *
 * The worker imports the built `@mlops/messaging` and `@mlops/contracts` (their `dist/`, as
 * `npx tsc -b tsconfig.build.json` writes them).
 */
export class WorkerEventPublisher {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private readonly inFlight = new Set<Promise<void>>();
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private exited: Error | undefined;

  constructor(options: WorkerEventPublisherOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // The thread resolves the packages from this file's place with Node's own resolver (under
      // Jest too, whose module mapping points the main thread at the TypeScript sources).
      workerData: { connection: options.connection, from: import.meta.url },
      resourceLimits: EVENTS_THREAD_HEAP,
    });
    // Referenced only while a batch is in flight: an idle thread never keeps the process alive,
    // and a shutdown still waits for the last batch.
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => {
      if (m.t === 'log') options.log(m.level, m.message, m.fields);
      else if (m.t === 'published' || m.t === 'failed') {
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (m.t === 'published') w?.resolve();
        else w?.reject(new Error(m.error));
      }
    });
    const fail = (e: Error): void => {
      this.exited ??= e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    this.worker.on('error', (e: Error) => {
      options.log('error', 'prediction-served publisher thread failed', { error: e.message });
      fail(e);
    });
    this.worker.on('exit', (code) => fail(new Error(`the prediction-served publisher thread exited (code ${code})`)));
  }

  /** False once the thread has failed or exited (the caller then publishes in its own thread). */
  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Wraps and sends one prediction-served event of `predictions` (1 to 1000 validated texts) from the worker. */
  publish(predictions: readonly ServedPredictionJson[]): Promise<void> {
    if (this.exited) return Promise.reject(this.exited);
    if (this.closing) return Promise.reject(new Error('the prediction-served publisher is closed'));
    const id = this.nextId++;
    const p = new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ t: 'publish', id, predictions });
    });
    if (this.inFlight.size === 0) this.worker.ref();
    this.inFlight.add(p);
    const done = (): void => {
      this.inFlight.delete(p);
      if (this.inFlight.size === 0 && !this.closing) this.worker.unref();
    };
    p.then(done, done);
    return p;
  }

  /**
   * Waits for the batches in flight, closes the worker's producer, and ends the thread; each wait
   * is bounded by `timeoutMs` (a broker that does not answer does not hold the shutdown).
   */
  close(timeoutMs = 10_000): Promise<void> {
    const bounded = (p: Promise<unknown>): Promise<unknown> => Promise.race([p, new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]);
    this.closing ??= (async () => {
      this.worker.ref();
      try {
        await bounded(Promise.allSettled([...this.inFlight]));
        if (!this.exited) {
          const closed = new Promise<void>((r) => {
            this.worker.on('message', (m: FromWorker) => m.t === 'closed' && r());
            this.worker.once('exit', () => r());
          });
          this.worker.postMessage({ t: 'close' });
          await bounded(closed);
        }
      } finally {
        await this.worker.terminate();
      }
    })();
    return this.closing;
  }
}

// CommonJS source of the thread (the repository's pattern for worker code: no separate build
// artefact to locate under Jest). It imports the built messaging and contracts libs.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const plain = (f) => { try { return JSON.parse(JSON.stringify(f ?? {})); } catch (e) { return { fields: String(f) }; } };
const post = (level, message, fields) => parentPort.postMessage({ t: 'log', level, message: String(message), fields: plain(fields) });
const logger = { debug() {}, info: (m, f) => post('info', m, f), warn: (m, f) => post('warn', m, f), error: (m, f) => post('error', m, f) };
const { createRequire } = require('node:module');
const { pathToFileURL } = require('node:url');
const resolve = (pkg) => pathToFileURL(createRequire(workerData.from).resolve(pkg)).href;
const ready = (async () => {
  const messaging = await import(resolve('@mlops/messaging'));
  const contracts = await import(resolve('@mlops/contracts'));
  if (typeof contracts.predictionServedEventJson !== 'function' || typeof messaging.KafkaEventPublisher.prototype.sendPrepared !== 'function') {
    throw new Error('the built @mlops/contracts or @mlops/messaging predates predictionServedEventJson/sendPrepared: rebuild them (npx tsc -b tsconfig.build.json)');
  }
  const { producerName, compression, ...connection } = workerData.connection;
  const kafka = messaging.createKafkaClient(connection, logger);
  return { publisher: new messaging.KafkaEventPublisher(kafka, { producerName, compression }, logger), contracts, producerName };
})();
ready.catch((e) => {
  post('error', 'prediction-served publisher thread could not start; publishing on the main thread', { error: String(e && e.message || e) });
  setImmediate(() => process.exit(1));
});
parentPort.on('message', async (m) => {
  if (m.t === 'publish') {
    try {
      const { publisher, contracts, producerName } = await ready;
      // m.predictions: JSON texts the main thread validated (servedPredictionJson); wrapped, not parsed.
      await publisher.sendPrepared([contracts.predictionServedEventJson(m.predictions, { producer: producerName })]);
      parentPort.postMessage({ t: 'published', id: m.id });
    } catch (e) {
      parentPort.postMessage({ t: 'failed', id: m.id, error: String(e && e.message || e) });
    }
  } else if (m.t === 'close') {
    try { const { publisher } = await ready; await publisher.close(); } catch (e) {}
    parentPort.postMessage({ t: 'closed' });
  }
});
`;
