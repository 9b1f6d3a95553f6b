import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ONNX_SERVING_SESSION_OPTIONS, type PipelineInput } from '@mlops/ml/onnx-runtime';

/** A model loaded into every thread of a pool. */
export interface PooledModel {
  readonly id: number;
  /** Positive-class probabilities of `n` rows given as the session's plain inputs, on an idle thread. */
  run(inputs: Readonly<Record<string, PipelineInput>>, n: number): Promise<Float32Array>;
  /** True when a thread is free to take a run now. */
  readonly idle: boolean;
  /** True while a live thread holds the model (else run on the caller's own session). */
  readonly usable: boolean;
  /** Runs handed to threads and not answered yet (of every model of the pool). */
  readonly inFlight: number;
  /** Calls `f` once, when the next run of the pool (of any model) ends. */
  whenIdle(f: () => void): void;
  release(): void;
}

interface Job {
  readonly resolve: (p: Float32Array) => void;
  readonly reject: (e: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  /** Model ids this thread has loaded. */
  readonly loaded: Set<number>;
  readonly jobs: Map<number, Job>;
  dead: boolean;
}

type FromWorker =
  | { readonly t: 'ready' }
  | { readonly t: 'loaded'; readonly id: number }
  | { readonly t: 'loadFailed'; readonly id: number; readonly error: string }
  | { readonly t: 'done'; readonly seq: number; readonly proba: Float32Array }
  | { readonly t: 'failed'; readonly seq: number; readonly error: string };

/**
 * onnxruntime sessions in worker threads: every loaded model is a session in each thread, and a
 * run goes to a thread with no run in flight. A run holds the thread that makes it, so the large
 * batches (more than `INLINE_MAX_ROWS` rows, e.g. a batch request of 500 rows: several ms) run
 * here, and the event loop keeps reading and answering requests meanwhile; small runs stay on the
 * event loop (`CoalescingRunner`), where the hand-off would cost more than the run.
 *
 * A thread that dies fails its runs in flight and is dropped (the callers fall back to their own
 * session); the pool keeps serving with the threads left.
 */
export class InferencePool {
  private readonly threads: Thread[] = [];
  private readonly loads = new Map<number, { pending: number; failed: string | undefined; done: () => void }>();
  private nextModel = 1;
  private nextSeq = 1;
  private closed = false;
  private starting: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];

  /**
   * @param size threads (at least 1).
   * @param onThreadExit called when a thread fails or exits unexpectedly.
   */
  constructor(
    readonly size: number,
    private readonly onThreadExit: (message: string) => void = () => undefined,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`InferencePool: size must be a positive integer, got ${size}`);
  }

  /**
   * Starts the threads, one after the other: each loads onnxruntime-node's native module before the
   * next one starts. onnxruntime-node has crashed processes when several threads load it at once
   * (microsoft/onnxruntime#20084, #24486), so the threads start at the first {@link load} (after the
   * caller's own session exists) and never concurrently. (The abort seen here once in a test run
   * came from terminating a thread during a model load; see {@link close}.)
   */
  private start(): Promise<void> {
    this.starting ??= (async () => {
      for (let i = 0; i < this.size && !this.closed; i++) await this.spawn();
    })();
    return this.starting;
  }

  /** One thread; resolves when it has loaded onnxruntime-node (or failed). */
  private spawn(): Promise<void> {
    return new Promise<void>((resolve) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { from: import.meta.url, options: structuredClone(ONNX_SERVING_SESSION_OPTIONS) } });
      worker.unref();
      const thread: Thread = { worker, loaded: new Set(), jobs: new Map(), dead: false };
      worker.on('message', (m: FromWorker) => (m.t === 'ready' ? resolve() : this.onMessage(thread, m)));
      const fail = (why: string): void => {
        resolve();
        if (thread.dead) return;
        thread.dead = true;
        for (const job of thread.jobs.values()) job.reject(new Error(`inference thread failed: ${why}`));
        thread.jobs.clear();
        this.wakeIdleWaiters();
        for (const [id, l] of this.loads) if (!thread.loaded.has(id)) this.settleLoad(id, l, undefined);
        if (!this.closed) this.onThreadExit(why);
      };
      worker.on('error', (e: Error) => fail(e.message));
      worker.on('exit', (code) => fail(`exited with code ${code}`));
      this.threads.push(thread);
    });
  }

  /** Threads alive (none before the first {@link load} starts them). */
  get alive(): number {
    return this.threads.filter((t) => !t.dead).length;
  }

  /**
   * Loads `bytes` (an ONNX model, e.g. `PipelineSession.bytes`) into every live thread (starting
   * the threads at the first call).
   * @returns undefined when no thread is alive (the caller runs on its own session).
   * @throws Error when a thread cannot load it (the others release it).
   */
  async load(bytes: Uint8Array): Promise<PooledModel | undefined> {
    if (this.closed) throw new Error('InferencePool: the pool is closed');
    await this.start();
    const id = this.nextModel++;
    const live = this.threads.filter((t) => !t.dead);
    if (live.length === 0) return undefined;
    await new Promise<void>((resolve, reject) => {
      const l = { pending: live.length, failed: undefined as string | undefined, done: () => (l.failed === undefined ? resolve() : reject(new Error(l.failed))) };
      this.loads.set(id, l);
      for (const t of live) t.worker.postMessage({ t: 'load', id, bytes });
    }).catch((e: unknown) => {
      this.releaseModel(id);
      throw e;
    });
    return this.handle(id);
  }

  /**
   * Ends every thread, their sessions with them, once its loads and runs in flight have ended: each
   * thread is asked to end, finishes what it was sent, releases its sessions and exits. A thread is
   * never terminated from outside while it may be inside onnxruntime: `Worker.terminate()` during a
   * session creation aborts the whole process ("terminate called after throwing an instance of
   * 'Napi::Error'", reproduced by closing a pool while a model loads). Only a thread that has not
   * ended after `timeoutMs` is terminated.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    await this.starting;
    await Promise.all(this.threads.map((t) => this.end(t, timeoutMs)));
  }

  private async end(thread: Thread, timeoutMs: number): Promise<void> {
    if (thread.dead) return;
    const exited = new Promise<boolean>((resolve) => thread.worker.once('exit', () => resolve(true)));
    thread.worker.ref(); // the close waits for it
    thread.worker.postMessage({ t: 'end' });
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([exited, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
    clearTimeout(timer);
    if (!ended) await thread.worker.terminate();
  }

  private handle(id: number): PooledModel {
    return new PoolHandle(this, id);
  }

  /** @internal A live thread holding model `id` has no run in flight. */
  idleFor(id: number): boolean {
    return this.threads.some((t) => !t.dead && t.jobs.size === 0 && t.loaded.has(id));
  }

  /** @internal A live thread holds model `id`. */
  usableFor(id: number): boolean {
    return this.threads.some((t) => !t.dead && t.loaded.has(id));
  }

  /** @internal Runs in flight on every thread. */
  get inFlight(): number {
    let n = 0;
    for (const t of this.threads) n += t.jobs.size;
    return n;
  }

  /** @internal Calls `f` once, when the next run (of any model) ends. */
  whenIdle(f: () => void): void {
    this.idleWaiters.push(f);
  }

  /** @internal A run of model `id` on the least busy thread holding it. */
  run(id: number, inputs: Readonly<Record<string, PipelineInput>>, n: number): Promise<Float32Array> {
    // The least busy live thread that has the model.
    let best: Thread | undefined;
    for (const t of this.threads) if (!t.dead && t.loaded.has(id) && (best === undefined || t.jobs.size < best.jobs.size)) best = t;
    if (best === undefined) return Promise.reject(new Error(`InferencePool: no live inference thread holds model ${id}`));
    const seq = this.nextSeq++;
    const transfer: ArrayBuffer[] = [];
    for (const name in inputs) {
      const d = inputs[name]!.data;
      if (!Array.isArray(d) && d.buffer instanceof ArrayBuffer && d.byteLength === d.buffer.byteLength) transfer.push(d.buffer);
    }
    const thread = best;
    return new Promise<Float32Array>((resolve, reject) => {
      thread.jobs.set(seq, { resolve, reject });
      thread.worker.postMessage({ t: 'run', id, seq, n, inputs }, transfer);
    });
  }

  /** @internal Drops model `id` from every thread. */
  releaseModel(id: number): void {
    for (const t of this.threads) {
      t.loaded.delete(id);
      if (!t.dead) t.worker.postMessage({ t: 'release', id });
    }
  }

  private settleLoad(id: number, l: { pending: number; failed: string | undefined; done: () => void }, error: string | undefined): void {
    if (error !== undefined && l.failed === undefined) l.failed = error;
    if (--l.pending === 0) {
      this.loads.delete(id);
      l.done();
    }
  }

  private onMessage(thread: Thread, m: Exclude<FromWorker, { readonly t: 'ready' }>): void {
    if (m.t === 'loaded' || m.t === 'loadFailed') {
      const l = this.loads.get(m.id);
      if (m.t === 'loaded') thread.loaded.add(m.id);
      if (l) this.settleLoad(m.id, l, m.t === 'loadFailed' ? `inference thread could not load the model: ${m.error}` : undefined);
      return;
    }
    const job = thread.jobs.get(m.seq);
    thread.jobs.delete(m.seq);
    if (job) {
      if (m.t === 'done') job.resolve(m.proba);
      else job.reject(new Error(m.error));
    }
    this.wakeIdleWaiters();
  }

  /** A thread is free: every runner waiting for one gets its turn (runners of other models too). */
  private wakeIdleWaiters(): void {
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of waiters) f();
  }
}

/** The {@link PooledModel} of one model id. */
class PoolHandle implements PooledModel {
  private released = false;

  constructor(
    private readonly pool: InferencePool,
    readonly id: number,
  ) {}

  get idle(): boolean {
    return !this.released && this.pool.idleFor(this.id);
  }

  get usable(): boolean {
    return !this.released && this.pool.usableFor(this.id);
  }

  get inFlight(): number {
    return this.pool.inFlight;
  }

  whenIdle(f: () => void): void {
    this.pool.whenIdle(f);
  }

  run(inputs: Readonly<Record<string, PipelineInput>>, n: number): Promise<Float32Array> {
    if (this.released) return Promise.reject(new Error(`InferencePool: model ${this.id} was released`));
    return this.pool.run(this.id, inputs, n);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.releaseModel(this.id);
  }
}

/**
 * Threads for a process: `SERVING_INFERENCE_THREADS` (0 = none: every run on the main thread),
 * default one per core up to 4. Created on first use and shared by every model of the process.
 */
let shared: InferencePool | null | undefined;
export function sharedInferencePool(
  env: NodeJS.ProcessEnv = process.env,
  onThreadExit: (message: string) => void = (message) =>
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', service: 'serving', message: 'inference thread failed; its runs failed, the model runs on the threads left (or the main thread)', error: message })}\n`),
): InferencePool | undefined {
  if (shared === undefined) {
    const raw = env['SERVING_INFERENCE_THREADS'];
    const size = raw === undefined || raw === '' ? Math.min(4, availableParallelism()) : Number(raw);
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`SERVING_INFERENCE_THREADS must be a non-negative integer, got '${raw}'`);
    shared = size === 0 ? null : new InferencePool(size, onThreadExit);
  }
  return shared ?? undefined;
}

let users = 0;

/**
 * {@link sharedInferencePool} for an owner that releases it ({@link releaseInferencePool}) when it
 * shuts down: the last release closes the threads, so a process that stopped serving (a test
 * runner, an embedding application) can exit. A later acquire starts a new pool.
 */
export function acquireInferencePool(env: NodeJS.ProcessEnv = process.env): InferencePool | undefined {
  users++;
  return sharedInferencePool(env);
}

/** Gives back an {@link acquireInferencePool}; the last one closes the shared pool's threads. */
export async function releaseInferencePool(): Promise<void> {
  users = Math.max(0, users - 1);
  if (users > 0 || !shared) return;
  const pool = shared;
  shared = undefined;
  await pool.close();
}

// CommonJS source of a thread (the repository's pattern for worker code, as in libs/ml tuning: no
// separate build artefact to locate under Jest). It needs only onnxruntime-node.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
// Resolved from this file's place with Node's own resolver (Jest maps modules for the main thread only).
const ort = require('node:module').createRequire(workerData.from)('onnxruntime-node');
parentPort.postMessage({ t: 'ready' });
const sessions = new Map();
const fetches = ['probabilities'];
// Loads and runs in progress: an 'end' waits for them (the thread must not stop inside onnxruntime).
let busy = 0;
let ending = false;
const finish = async () => {
  if (!ending || busy > 0) return;
  ending = false;
  await Promise.all([...sessions.values()].map((s) => s.release().catch(() => undefined)));
  sessions.clear();
  process.exit(0); // ends this thread only, from JavaScript, outside any onnxruntime call
};
parentPort.on('message', async (m) => {
  if (m.t === 'end') {
    ending = true;
    return finish();
  }
  if (m.t === 'run' || m.t === 'load') busy++;
  try {
    await handle(m);
  } finally {
    if (m.t === 'run' || m.t === 'load') busy--;
    await finish();
  }
});
async function handle(m) {
  if (m.t === 'run') {
    try {
      const s = sessions.get(m.id);
      if (!s) throw new Error('model ' + m.id + ' is not loaded in this thread');
      const feeds = {};
      for (const name in m.inputs) { const i = m.inputs[name]; feeds[name] = new ort.Tensor(i.type, i.data, i.dims); }
      const out = await s.run(feeds, fetches);
      const data = out.probabilities.data;
      const proba = new Float32Array(m.n);
      for (let r = 0; r < m.n; r++) proba[r] = data[2 * r + 1];
      parentPort.postMessage({ t: 'done', seq: m.seq, proba }, [proba.buffer]);
    } catch (e) {
      parentPort.postMessage({ t: 'failed', seq: m.seq, error: String((e && e.message) || e) });
    }
  } else if (m.t === 'load') {
    try {
      sessions.set(m.id, await ort.InferenceSession.create(m.bytes, workerData.options));
      parentPort.postMessage({ t: 'loaded', id: m.id });
    } catch (e) {
      parentPort.postMessage({ t: 'loadFailed', id: m.id, error: String((e && e.message) || e) });
    }
  } else if (m.t === 'release') {
    const s = sessions.get(m.id);
    sessions.delete(m.id);
    if (s) s.release().catch(() => undefined);
  }
}
`;
