// A trial worker module for the WorkerObjective specs (plain JavaScript: it runs on a worker thread).
// data: { sleepMs, failAbove }. Reports a rising curve; stops when the pruner says so.
export function objective(params, data, trial) {
  const x = params.x;
  if (x > data.failAbove) throw new Error(`x=${x} is too large`);
  if (data.sleepMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, data.sleepMs);
  const value = -((x - 2) ** 2);
  for (let step = 0; step < 5; step++) {
    trial.report(value - (5 - step) * 0.1, step);
    if (trial.shouldPrune()) {
      const e = new Error(`pruned at step ${step}`);
      e.name = 'TrialPruned';
      throw e;
    }
  }
  return value;
}
