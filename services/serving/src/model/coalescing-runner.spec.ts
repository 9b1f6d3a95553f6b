import type { PipelineInput } from '@mlops/ml/onnx-runtime';
import type { ServingRow } from './explainer.js';
import type { PooledModel } from './inference-pool.js';
import { CoalescingRunner, INLINE_MAX_ROWS, type ProbaModel } from './coalescing-runner.js';

/** A model double: probability of class 1 = x / 100. Records each run's batch. */
function fakeModel(runs: number[][], fail = false): ProbaModel {
  return {
    proba: async (rows: readonly ServingRow[]) => {
      const x = rows.map((r) => r['x'] as number);
      runs.push(x);
      if (fail) throw new Error('run failed');
      return Float32Array.from(x, (v) => v / 100);
    },
  };
}

describe('CoalescingRunner', () => {
  it('answers requests of the same turn with one run and splits the answers back in order', async () => {
    const runs: number[][] = [];
    const runner = new CoalescingRunner(fakeModel(runs));
    const [a, b, c] = await Promise.all([runner.run([{ x: 1 }, { x: 2 }]), runner.run([{ x: 3 }]), runner.run([{ x: 4 }, { x: 5 }, { x: 6 }])]);
    expect(runs).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(Array.from(a!)).toEqual([0.01, 0.02].map(Math.fround));
    expect(Array.from(b!)).toEqual([Math.fround(0.03)]);
    expect(Array.from(c!)).toEqual([0.04, 0.05, 0.06].map(Math.fround));
  });

  it('keeps runs at most maxRows (a request larger than that runs alone)', async () => {
    const runs: number[][] = [];
    const runner = new CoalescingRunner(fakeModel(runs), 3);
    await Promise.all([runner.run([{ x: 1 }, { x: 2 }]), runner.run([{ x: 3 }, { x: 4 }]), runner.run([{ x: 5 }, { x: 6 }, { x: 7 }, { x: 8 }]), runner.run([{ x: 9 }])]);
    expect(runs).toEqual([[1, 2], [3, 4], [5, 6, 7, 8], [9]]);
  });

  it('rejects every request of a failed run, and serves the next ones', async () => {
    const runs: number[][] = [];
    const failing = new CoalescingRunner(fakeModel(runs, true));
    const results = await Promise.allSettled([failing.run([{ x: 1 }]), failing.run([{ x: 2 }])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const ok = new CoalescingRunner(fakeModel(runs));
    expect(Array.from(await ok.run([{ x: 50 }]))).toEqual([0.5]);
  });
});

/** A pool double: records where each batch ran; `hold` keeps runs in flight until released. */
function fakePool(log: string[], opts: { usable?: boolean; fail?: boolean } = {}): { pool: PooledModel; hold: (h: boolean) => void; releaseAll: () => void } {
  const waiting: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];
  let inFlight = 0;
  let hold = false;
  const pool: PooledModel = {
    id: 1,
    get idle() {
      return inFlight < 2;
    },
    get usable() {
      return opts.usable ?? true;
    },
    get inFlight() {
      return inFlight;
    },
    run(inputs: Readonly<Record<string, PipelineInput>>, n: number): Promise<Float32Array> {
      const x = Array.from(inputs['x']!.data as Float64Array);
      log.push(`pool:${x.join(',')}`);
      inFlight++;
      return new Promise<Float32Array>((resolve, reject) => {
        const finish = (): void => {
          inFlight--;
          if (opts.fail) reject(new Error('thread failed'));
          else resolve(Float32Array.from(x, (v) => v / 100));
          const w = idleWaiters;
          idleWaiters = [];
          w.forEach((f) => f());
        };
        if (hold) waiting.push(finish);
        else setImmediate(finish);
      }).then((p) => (expect(p.length).toBe(n), p));
    },
    whenIdle: (f) => void idleWaiters.push(f),
    release: () => undefined,
  };
  return {
    pool,
    hold: (h) => {
      hold = h;
    },
    releaseAll: () => waiting.splice(0).forEach((f) => f()),
  };
}

function inlineModel(log: string[]): ProbaModel {
  return {
    proba: async (rows) => {
      log.push(`inline:${rows.map((r) => r['x']).join(',')}`);
      return Float32Array.from(rows, (r) => (r['x'] as number) / 100);
    },
    inputs: (rows) => ({ x: { type: 'float64', data: Float64Array.from(rows, (r) => r['x'] as number), dims: [rows.length, 1] } }),
  };
}

describe('CoalescingRunner with an inference pool', () => {
  const rowsOf = (n: number, from = 0): { x: number }[] => Array.from({ length: n }, (_, i) => ({ x: from + i }));

  it(`runs batches of at most ${INLINE_MAX_ROWS} rows on its own thread, concurrent requests in one run`, async () => {
    const log: string[] = [];
    const runner = new CoalescingRunner(inlineModel(log), 512, fakePool(log).pool);
    expect(Array.from(await runner.run([{ x: 7 }]))).toEqual([Math.fround(0.07)]);
    const [a, b] = await Promise.all([runner.run([{ x: 1 }]), runner.run([{ x: 2 }, { x: 3 }])]);
    expect(Array.from(a!)).toEqual([Math.fround(0.01)]);
    expect(Array.from(b!)).toEqual([0.02, 0.03].map(Math.fround));
    const full = await Promise.all([runner.run(rowsOf(INLINE_MAX_ROWS - 1)), runner.run([{ x: 99 }])]);
    expect(full.map((p) => p.length)).toEqual([INLINE_MAX_ROWS - 1, 1]);
    expect(log).toEqual(['inline:7', 'inline:1,2,3', `inline:${[...rowsOf(INLINE_MAX_ROWS - 1).map((r) => r.x), 99].join(',')}`]);
  });

  it(`sends a batch of more than ${INLINE_MAX_ROWS} rows to the pool (one request, or coalesced ones)`, async () => {
    const log: string[] = [];
    const runner = new CoalescingRunner(inlineModel(log), 512, fakePool(log).pool);
    const rows = rowsOf(INLINE_MAX_ROWS + 1);
    expect((await runner.run(rows)).length).toBe(rows.length);
    const [a, b] = await Promise.all([runner.run(rowsOf(INLINE_MAX_ROWS, 100)), runner.run([{ x: 1 }])]);
    expect([a!.length, b!.length]).toEqual([INLINE_MAX_ROWS, 1]);
    expect(b![0]).toBe(Math.fround(0.01));
    expect(log).toEqual([`pool:${rows.map((r) => r.x).join(',')}`, `pool:${[...rowsOf(INLINE_MAX_ROWS, 100).map((r) => r.x), 1].join(',')}`]);
  });

  it('while every thread is busy, a large batch waits and takes what arrives meanwhile into the next run', async () => {
    const log: string[] = [];
    const { pool, hold, releaseAll } = fakePool(log);
    const runner = new CoalescingRunner(inlineModel(log), 512, pool);
    hold(true);
    const first = [runner.run(rowsOf(100))];
    await new Promise((r) => setImmediate(r));
    first.push(runner.run(rowsOf(100, 1000)));
    await new Promise((r) => setImmediate(r));
    expect(pool.idle).toBe(false);
    const waiting = Promise.all([runner.run(rowsOf(100, 2000)), runner.run([{ x: 5 }])]);
    await new Promise((r) => setImmediate(r));
    expect(log.length).toBe(2);
    hold(false);
    releaseAll();
    const [big, small] = await waiting;
    expect(big!.length).toBe(100);
    expect(small![0]).toBe(Math.fround(0.05));
    expect(log[2]).toBe(`pool:${[...rowsOf(100, 2000).map((r) => r.x), 5].join(',')}`);
    await Promise.all(first);
  });

  it('a runner waiting for a busy pool runs when a run of another model sharing the threads ends', async () => {
    const log: string[] = [];
    const { pool, hold, releaseAll } = fakePool(log);
    const champion = new CoalescingRunner(inlineModel(log), 512, pool);
    const challenger = new CoalescingRunner(inlineModel(log), 512, pool);
    hold(true);
    const busy = [champion.run(rowsOf(INLINE_MAX_ROWS + 1))];
    await new Promise((r) => setImmediate(r));
    busy.push(champion.run(rowsOf(INLINE_MAX_ROWS + 1)));
    await new Promise((r) => setImmediate(r));
    expect(pool.idle).toBe(false);
    const waiting = challenger.run(rowsOf(INLINE_MAX_ROWS + 1, 500));
    await new Promise((r) => setImmediate(r));
    expect(log.filter((l) => l.includes('500'))).toEqual([]);
    hold(false);
    releaseAll();
    expect((await waiting)[0]).toBe(Math.fround(5));
    expect(log[log.length - 1]).toBe(`pool:${rowsOf(INLINE_MAX_ROWS + 1, 500).map((r) => r.x).join(',')}`);
    await Promise.all(busy);
  });

  it('runs inline when the pool has no live thread, and rejects the batch of a failed pool run', async () => {
    const log: string[] = [];
    const gone = new CoalescingRunner(inlineModel(log), 512, fakePool(log, { usable: false }).pool);
    await Promise.all([gone.run(rowsOf(INLINE_MAX_ROWS)), gone.run([{ x: 1000 }])]);
    expect(log).toEqual([`inline:${[...rowsOf(INLINE_MAX_ROWS).map((r) => r.x), 1000].join(',')}`]);
    const failing = new CoalescingRunner(inlineModel(log), 512, fakePool(log, { fail: true }).pool);
    const results = await Promise.allSettled([failing.run(rowsOf(INLINE_MAX_ROWS)), failing.run([{ x: 3 }])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
