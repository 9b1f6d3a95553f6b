import { Worker } from 'node:worker_threads';
import type { SearchSpace } from './distributions.js';
import { TuningError, type ParamValue } from './distributions.js';
import { TrialPruned, type RemoteObjective, type Trial } from './study.js';

/** The trial handle an objective gets on a worker thread. */
export interface WorkerTrial {
  readonly number: number;
  /** Sends an intermediate value to the study (Optuna `trial.report`). */
  report(value: number, step: number): void;
  /** Asks the study's pruner (synchronous: the worker waits for the main thread's answer). */
  shouldPrune(): boolean;
}

/**
 * What a worker module exports (default export name `objective`): evaluates one trial with the
 * sampled `params` on `data` and returns the objective value; throws an error named
 * 'TrialPruned' (e.g. {@link TrialPruned}) to end the trial as PRUNED.
 */
export type WorkerObjectiveFunction<D> = (
  params: Readonly<Record<string, ParamValue>>,
  data: D,
  trial: WorkerTrial,
) => number | Promise<number>;

export interface WorkerObjectiveOptions<D> {
  /** file: URL (or absolute path) of an ES module that exports the objective; it runs as JavaScript. */
  readonly moduleUrl: string | URL;
  /** Name of the exported function (default 'objective'). */
  readonly exportName?: string;
  /**
   * Sent once to every worker (structured clone: typed arrays over a SharedArrayBuffer are shared,
   * not copied, so put large matrices in shared memory).
   */
  readonly data: D;
  /** Parameters sampled on the main thread before each trial is dispatched. */
  readonly searchSpace: SearchSpace;
  /**
   * Use a worker thread even when `nWorkers` is 1. By default one worker means the module runs
   * on the main thread (as Optuna with n_jobs=1): same results, no thread hop per pruning check.
   */
  readonly alwaysThreads?: boolean;
}

interface Slot {
  worker: Worker;
  ctrl: Int32Array;
  busy: boolean;
  current: { trial: Trial; resolve: (v: number) => void; reject: (e: unknown) => void } | null;
}

type WorkerMessage =
  | { type: 'report'; value: number; step: number }
  | { type: 'shouldPrune' }
  | { type: 'done'; value: number }
  | { type: 'pruned'; message: string }
  | { type: 'error'; message: string };

/**
 * Runs trials on worker threads, one trial per worker at a time (pass to `study.optimize`; the
 * study's `nWorkers` is the number of threads; with 1 the module runs on the main thread unless
 * `alwaysThreads`). The study samples the parameters on the main
 * thread (define-and-run over `searchSpace`), the worker fits and returns the value; reports and
 * pruning questions travel back by message, the worker blocking in Atomics.wait for the answer,
 * so a synchronous training callback can prune.
 */
export class WorkerObjective<D> implements RemoteObjective {
  readonly searchSpace: SearchSpace;
  private slots: Slot[] = [];
  private inline: WorkerObjectiveFunction<D> | null = null;

  constructor(private readonly options: WorkerObjectiveOptions<D>) {
    this.searchSpace = options.searchSpace;
  }

  async start(nWorkers: number): Promise<void> {
    const url =
      typeof this.options.moduleUrl === 'string' && !this.options.moduleUrl.startsWith('file:')
        ? new URL(`file://${this.options.moduleUrl}`).href
        : String(this.options.moduleUrl);
    if (nWorkers === 1 && !this.options.alwaysThreads) {
      const mod = (await import(url)) as Record<string, unknown>;
      const name = this.options.exportName ?? 'objective';
      const fn = mod[name];
      if (typeof fn !== 'function')
        throw new TuningError(`the trial worker module ${url} does not export a function named ${name}`);
      this.inline = fn as WorkerObjectiveFunction<D>;
      return;
    }
    for (let i = 0; i < nWorkers; i++) {
      const ctrl = new Int32Array(new SharedArrayBuffer(8));
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          url,
          exportName: this.options.exportName ?? 'objective',
          data: this.options.data,
          ctrl: ctrl.buffer,
        },
      });
      const slot: Slot = { worker, ctrl, busy: false, current: null };
      worker.on('message', (m: WorkerMessage) => this.onMessage(slot, m));
      worker.on('error', (e: Error) => this.failSlot(slot, e));
      worker.on('exit', (code) =>
        this.failSlot(slot, new TuningError(`a trial worker thread exited with code ${code}`)),
      );
      this.slots.push(slot);
    }
  }

  async run(trial: Trial): Promise<number> {
    if (this.inline) return this.inline(trial.getParams(), this.options.data, trial);
    return this.runOnThread(trial);
  }

  private runOnThread(trial: Trial): Promise<number> {
    const slot = this.slots.find((s) => !s.busy);
    if (!slot)
      return Promise.reject(new TuningError('no idle trial worker: run at most nWorkers trials at once'));
    slot.busy = true;
    return new Promise<number>((resolve, reject) => {
      slot.current = { trial, resolve, reject };
      slot.worker.postMessage({ number: trial.number, params: trial.getParams() });
    });
  }

  async close(): Promise<void> {
    this.inline = null;
    const slots = this.slots;
    this.slots = [];
    for (const s of slots) s.worker.removeAllListeners('exit');
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private onMessage(slot: Slot, m: WorkerMessage): void {
    const cur = slot.current;
    if (!cur) return;
    switch (m.type) {
      case 'report':
        cur.trial.report(m.value, m.step);
        return;
      case 'shouldPrune': {
        let answer = 0;
        try {
          answer = cur.trial.shouldPrune() ? 1 : 0;
        } finally {
          Atomics.store(slot.ctrl, 1, answer);
          Atomics.store(slot.ctrl, 0, 1);
          Atomics.notify(slot.ctrl, 0);
        }
        return;
      }
      case 'done':
        this.settle(slot, () => cur.resolve(m.value));
        return;
      case 'pruned':
        this.settle(slot, () => cur.reject(new TrialPruned(m.message)));
        return;
      case 'error':
        this.settle(slot, () => cur.reject(new TuningError(m.message)));
        return;
    }
  }

  private settle(slot: Slot, f: () => void): void {
    slot.current = null;
    slot.busy = false;
    f();
  }

  private failSlot(slot: Slot, e: Error): void {
    const cur = slot.current;
    if (cur) this.settle(slot, () => cur.reject(e));
  }
}

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const ctrl = new Int32Array(workerData.ctrl);
const data = workerData.data;
let fn = null;
const ready = import(workerData.url).then((m) => {
  fn = m[workerData.exportName];
  if (typeof fn !== 'function') throw new Error('the trial worker module ' + workerData.url + ' does not export a function named ' + workerData.exportName);
});
parentPort.on('message', async (msg) => {
  try {
    await ready;
    const trial = {
      number: msg.number,
      report(value, step) { parentPort.postMessage({ type: 'report', value, step }); },
      shouldPrune() {
        Atomics.store(ctrl, 0, 0);
        parentPort.postMessage({ type: 'shouldPrune' });
        while (Atomics.load(ctrl, 0) === 0) Atomics.wait(ctrl, 0, 0, 1000);
        return Atomics.load(ctrl, 1) === 1;
      },
    };
    const value = await fn(msg.params, data, trial);
    parentPort.postMessage({ type: 'done', value: typeof value === 'number' ? value : NaN });
  } catch (e) {
    const message = String((e && e.message) || e);
    parentPort.postMessage({ type: e && e.name === 'TrialPruned' ? 'pruned' : 'error', message });
  }
});
`;
