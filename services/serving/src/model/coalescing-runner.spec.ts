/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
import type { OnnxSession } from '@mlops/ml/onnx-runtime';
import { CoalescingRunner } from './coalescing-runner.js';

/** A session double: one double input `x`; probability of class 1 = x / 100. Records each run's batch. */
function fakeSession(runs: number[][], fail = false): OnnxSession {
  const session = {
    inputMetadata: [{ name: 'x', isTensor: true, type: 'float64', shape: [-1, 1] }],
    run: async (feeds: Record<string, { data: Float64Array }>) => {
      const x = Array.from(feeds['x']!.data);
      runs.push(x);
      if (fail) throw new Error('run failed');
      const probabilities = new Float32Array(2 * x.length);
      x.forEach((v, i) => {
        probabilities[2 * i] = 1 - v / 100;
        probabilities[2 * i + 1] = v / 100;
      });
      return { probabilities: { data: probabilities } };
    },
  };
  return session as unknown as OnnxSession;
}

describe('CoalescingRunner', () => {
  it('answers requests of the same turn with one run and splits the answers back in order', async () => {
    const runs: number[][] = [];
    const runner = new CoalescingRunner(fakeSession(runs));
    const [a, b, c] = await Promise.all([runner.run([{ x: 1 }, { x: 2 }]), runner.run([{ x: 3 }]), runner.run([{ x: 4 }, { x: 5 }, { x: 6 }])]);
    expect(runs).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(Array.from(a!)).toEqual([0.01, 0.02].map(Math.fround));
    expect(Array.from(b!)).toEqual([Math.fround(0.03)]);
    expect(Array.from(c!)).toEqual([0.04, 0.05, 0.06].map(Math.fround));
  });

  it('keeps runs at most maxRows (a request larger than that runs alone)', async () => {
    const runs: number[][] = [];
    const runner = new CoalescingRunner(fakeSession(runs), 3);
    await Promise.all([runner.run([{ x: 1 }, { x: 2 }]), runner.run([{ x: 3 }, { x: 4 }]), runner.run([{ x: 5 }, { x: 6 }, { x: 7 }, { x: 8 }]), runner.run([{ x: 9 }])]);
    expect(runs).toEqual([[1, 2], [3, 4], [5, 6, 7, 8], [9]]);
  });

  it('rejects every request of a failed run, and serves the next ones', async () => {
    const runs: number[][] = [];
    const failing = new CoalescingRunner(fakeSession(runs, true));
    const results = await Promise.allSettled([failing.run([{ x: 1 }]), failing.run([{ x: 2 }])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const ok = new CoalescingRunner(fakeSession(runs));
    expect(Array.from(await ok.run([{ x: 50 }]))).toEqual([0.5]);
  });
});
