import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matrixFromRows } from '../core/matrix.js';
import { Rng } from '../core/random.js';
import { GradientBoostingClassifier } from '../gbdt/gradient-boosting.js';
import { rocAucScore } from '../metrics/ranking.js';
import { searchSpaceFromConfig, TuningError } from './distributions.js';
import { gbdtObjective, gbdtParamsFromSearch } from './gbdt-objective.js';
import { MedianPruner, NopPruner } from './pruners.js';
import { RandomSampler, TpeSampler } from './samplers.js';
import { InMemoryStudyStorage } from './storage.js';
import { Study, TrialPruned, type Trial } from './study.js';
import { WorkerObjective } from './worker-objective.js';

const here = dirname(fileURLToPath(import.meta.url));
const quadratic = (t: Trial): number =>
  -((t.suggestFloat('x', -10, 10) - 2) ** 2) - (t.suggestInt('k', 0, 9) - 3) ** 2;

describe('Study with the TPE sampler', () => {
  it('samples the first 10 trials at random (same as RandomSampler with that seed), then TPE', async () => {
    const tpe = await Study.create({
      direction: 'maximize',
      sampler: new TpeSampler({ seed: 5 }),
      pruner: new NopPruner(),
    });
    const rnd = await Study.create({
      direction: 'maximize',
      sampler: new RandomSampler(5),
      pruner: new NopPruner(),
    });
    await tpe.optimize(quadratic, { nTrials: 30 });
    await rnd.optimize(quadratic, { nTrials: 30 });
    expect(tpe.trials.slice(0, 10).map((t) => t.params)).toEqual(
      rnd.trials.slice(0, 10).map((t) => t.params),
    );
    expect(tpe.trials.slice(10).map((t) => t.params)).not.toEqual(rnd.trials.slice(10).map((t) => t.params));
    // TPE concentrates on the optimum x = 2, k = 3: its last 10 trials beat random's on median
    const med = (v: number[]): number => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    expect(med(tpe.trials.slice(20).map((t) => t.value!))).toBeGreaterThan(
      med(rnd.trials.slice(20).map((t) => t.value!)),
    );
    expect(tpe.bestValue).toBeGreaterThan(rnd.bestValue);
  });

  it('is reproducible for a seed (one worker) and differs across seeds', async () => {
    const run = async (seed: number): Promise<unknown[]> => {
      const s = await Study.create({ direction: 'maximize', sampler: new TpeSampler({ seed }) });
      await s.optimize(quadratic, { nTrials: 15 });
      return s.trials.map((t) => t.params);
    };
    expect(await run(3)).toEqual(await run(3));
    expect(await run(3)).not.toEqual(await run(4));
  });

  it('suggestions stay inside their distributions (int, log, step, categorical) and a repeated name returns the first value', async () => {
    const s = await Study.create({
      direction: 'minimize',
      sampler: new TpeSampler({ seed: 1, nStartupTrials: 3 }),
    });
    await s.optimize(
      (t) => {
        const lr = t.suggestFloat('lr', 1e-3, 1, { log: true });
        const n = t.suggestInt('n', 10, 100, { step: 10 });
        const f = t.suggestFloat('f', 0.1, 0.9, { step: 0.2 });
        const b = t.suggestCategorical('b', ['gbtree', 'dart']);
        expect(t.suggestFloat('lr', 1e-3, 1, { log: true })).toBe(lr);
        expect(lr).toBeGreaterThanOrEqual(1e-3);
        expect(lr).toBeLessThanOrEqual(1);
        expect(n % 10).toBe(0);
        expect([0.1, 0.3, 0.5, 0.7, 0.9].some((g) => Math.abs(g - f) < 1e-9)).toBe(true);
        return lr * n + (b === 'dart' ? 1 : 0);
      },
      { nTrials: 12 },
    );
    expect(s.bestTrial.state).toBe('COMPLETE');
  });
});

describe('Study.optimize: pruning, timeouts, failures', () => {
  it('MedianPruner prunes trials whose intermediate values fall below the median (after 5 completed); PRUNED keeps the last value', async () => {
    const s = await Study.create({
      direction: 'maximize',
      sampler: new RandomSampler(11),
      pruner: new MedianPruner(),
    });
    await s.optimize(
      (t) => {
        const level = t.suggestFloat('level', 0, 1);
        for (let step = 0; step < 10; step++) {
          t.report(level + step * 0.01, step);
          if (t.shouldPrune()) throw new TrialPruned();
        }
        return level + 0.09;
      },
      { nTrials: 30 },
    );
    const pruned = s.trials.filter((t) => t.state === 'PRUNED');
    expect(s.trials.slice(0, 5).every((t) => t.state === 'COMPLETE')).toBe(true);
    expect(pruned.length).toBeGreaterThan(5);
    for (const t of pruned) {
      const last = Math.max(...t.intermediateValues.keys());
      expect(t.value).toBe(t.intermediateValues.get(last));
    }
    // a pruned trial was below the median of the completed trials at its step when it stopped
    expect(Math.max(...pruned.map((t) => t.params['level'] as number))).toBeLessThan(
      s.bestTrial.params['level'] as number,
    );
  });

  it('stops starting trials after timeoutSeconds; running trials finish', async () => {
    const s = await Study.create({ direction: 'maximize', sampler: new RandomSampler(1) });
    const t0 = Date.now();
    await s.optimize(
      async (t) => {
        await new Promise((r) => setTimeout(r, 40));
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 1000, timeoutSeconds: 0.3 },
    );
    const elapsed = Date.now() - t0;
    expect(s.trials.length).toBeGreaterThan(1);
    expect(s.trials.length).toBeLessThan(20);
    expect(s.trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    expect(elapsed).toBeLessThan(2000);
  });

  it('records objective errors and non-finite values as FAIL; rethrows unless catchErrors', async () => {
    const s = await Study.create({ direction: 'maximize', sampler: new RandomSampler(2) });
    const objective = (t: Trial): number => {
      const x = t.suggestFloat('x', 0, 1);
      if (t.number % 3 === 1) throw new Error(`bad x ${x}`);
      return t.number % 3 === 2 ? Number.NaN : x;
    };
    await s.optimize(objective, { nTrials: 9, catchErrors: true });
    const states = s.trials.map((t) => t.state);
    expect(states).toEqual([
      'COMPLETE',
      'FAIL',
      'FAIL',
      'COMPLETE',
      'FAIL',
      'FAIL',
      'COMPLETE',
      'FAIL',
      'FAIL',
    ]);
    expect(s.trials[1]!.failReason).toMatch(/^bad x /);
    expect(s.trials[2]!.failReason).toBe('the objective returned NaN: it must return a finite number');

    const strict = await Study.create({ direction: 'maximize', sampler: new RandomSampler(2) });
    await expect(strict.optimize(objective, { nTrials: 9 })).rejects.toThrow(/^bad x /);
    expect(strict.trials.map((t) => t.state)).toEqual(['COMPLETE', 'FAIL']);
  });

  it('runs nWorkers async trials at once and no more', async () => {
    const s = await Study.create({ direction: 'maximize', sampler: new RandomSampler(3) });
    let running = 0;
    let peak = 0;
    await s.optimize(
      async (t) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 12, nWorkers: 3 },
    );
    expect(peak).toBe(3);
    expect(s.trials).toHaveLength(12);
    expect(new Set(s.trials.map((t) => t.number)).size).toBe(12);
  });

  it('rejects bad options with messages naming them', async () => {
    const s = await Study.create({ direction: 'maximize' });
    await expect(s.optimize(quadratic, {})).rejects.toThrow('optimize needs nTrials or timeoutSeconds');
    await expect(s.optimize(quadratic, { nTrials: 1, nWorkers: 0 })).rejects.toThrow(
      'nWorkers must be a positive integer, got 0',
    );
    expect(() => s.bestTrial).toThrow(/has no COMPLETE trial yet/);
    expect(() => searchSpaceFromConfig({ lr: { type: 'float', low: 0, high: 1, log: true } })).toThrow(
      new TuningError('parameter lr: a log-scaled range needs low > 0, got 0'),
    );
  });
});

describe('StudyStorage', () => {
  it('round-trips params (internal values, categorical by index), reports and states', async () => {
    const storage = new InMemoryStudyStorage();
    const id = await storage.createStudy('s', 'maximize');
    const { trialId, number } = await storage.createTrial(id);
    expect(number).toBe(0);
    await storage.setTrialParam(trialId, 'b', 1, { type: 'categorical', choices: ['a', 'b'] });
    await storage.setTrialParam(trialId, 'n', 7, { type: 'int', low: 1, high: 9, step: 1 });
    await storage.reportIntermediate(trialId, 0, 0.5);
    await storage.reportIntermediate(trialId, 0, 0.9); // repeated step: ignored, as Optuna
    await storage.finishTrial(trialId, 'COMPLETE', 0.7);
    const [t] = await storage.getAllTrials(id);
    expect(t).toMatchObject({ number: 0, state: 'COMPLETE', value: 0.7, params: { b: 'b', n: 7 } });
    expect([...t!.intermediateValues]).toEqual([[0, 0.5]]);
    await expect(storage.setTrialParam(trialId, 'n', 8, { type: 'int', low: 1, high: 9 })).rejects.toThrow(
      'trial 0 is already COMPLETE',
    );
    await expect(storage.createStudy('s', 'maximize')).rejects.toThrow('a study named "s" already exists');
    expect(await storage.getAllTrials(id, ['FAIL'])).toEqual([]);
  });

  it('two studies on one storage (two replicas) share trials and numbering', async () => {
    const storage = new InMemoryStudyStorage();
    const a = await Study.create({
      direction: 'maximize',
      storage,
      studyName: 'shared',
      sampler: new TpeSampler({ seed: 1 }),
    });
    const b = await Study.create({
      direction: 'maximize',
      storage,
      studyName: 'shared',
      loadIfExists: true,
      sampler: new TpeSampler({ seed: 2 }),
    });
    await a.optimize(quadratic, { nTrials: 6 });
    await b.optimize(quadratic, { nTrials: 6 });
    expect(b.trials.map((t) => t.number)).toEqual([...Array(12).keys()]);
    await a.refresh();
    expect(a.trials).toHaveLength(12);
    expect(a.bestTrial.trialId).toBe(b.bestTrial.trialId);
    await expect(
      Study.create({ direction: 'minimize', storage, studyName: 'shared', loadIfExists: true }),
    ).rejects.toThrow("study \"shared\" is 'maximize', not 'minimize'");
  });
});

describe('WorkerObjective (trials on worker threads)', () => {
  const moduleUrl = join(here, '__fixtures__', 'worker-objective.mjs');
  const searchSpace = { x: { type: 'float', low: -10, high: 10 } } as const;

  it('runs trials on nWorkers threads in parallel, with reports, pruning and failures', async () => {
    const objective = new WorkerObjective({ moduleUrl, data: { sleepMs: 120, failAbove: 8 }, searchSpace });
    const s = await Study.create({
      direction: 'maximize',
      sampler: new TpeSampler({ seed: 9 }),
      pruner: new MedianPruner(),
    });
    await s.optimize(objective, { nTrials: 16, nWorkers: 2, catchErrors: true });
    expect(s.trials).toHaveLength(16);
    // Two threads ran at once: some trial started before the previous one had completed (a
    // structural check, not a timing threshold: each trial sleeps 120 ms, so overlaps are certain
    // with two workers and impossible with one).
    const spans = s.trials.map((t) => [t.startedAt, t.completedAt ?? Number.POSITIVE_INFINITY] as const);
    const overlapping = spans.filter(([start], i) => spans.some(([a, b], j) => j !== i && a <= start && start < b));
    expect(overlapping.length).toBeGreaterThan(0);
    for (const t of s.trials) {
      const x = t.params['x'] as number;
      if (x > 8) {
        expect(t.state).toBe('FAIL');
        expect(t.failReason).toBe(`x=${x} is too large`);
      } else if (t.state === 'COMPLETE') {
        expect(t.value).toBeCloseTo(-((x - 2) ** 2), 12);
        expect(t.intermediateValues.size).toBe(5);
      } else {
        expect(t.state).toBe('PRUNED');
        expect(t.intermediateValues.size).toBeGreaterThan(0);
      }
    }
    expect(s.trials.some((t) => t.state === 'PRUNED')).toBe(true);
  });

  it('with one worker runs the module on the main thread, with the same results as on a thread', async () => {
    const run = async (alwaysThreads: boolean): Promise<unknown[]> => {
      const objective = new WorkerObjective({
        moduleUrl,
        data: { sleepMs: 0, failAbove: 8 },
        searchSpace,
        alwaysThreads,
      });
      const s = await Study.create({ direction: 'maximize', sampler: new TpeSampler({ seed: 4 }) });
      await s.optimize(objective, { nTrials: 14, nWorkers: 1, catchErrors: true });
      return s.trials.map((t) => [t.state, t.value, t.params, [...t.intermediateValues]]);
    };
    expect(await run(false)).toEqual(await run(true));
  });

  it('a module without the export fails every trial with a clear reason', async () => {
    const objective = new WorkerObjective({
      moduleUrl,
      exportName: 'missing',
      data: {},
      searchSpace,
      alwaysThreads: true,
    });
    const s = await Study.create({ direction: 'maximize' });
    await s.optimize(objective, { nTrials: 2, catchErrors: true });
    expect(s.trials.map((t) => t.state)).toEqual(['FAIL', 'FAIL']);
    expect(s.trials[0]!.failReason).toMatch(/does not export a function named missing/);
  });
});

describe('gbdtObjective', () => {
  const rng = new Rng(4);
  const rows = Array.from({ length: 400 }, () => [rng.nextFloat(), rng.nextFloat(), rng.nextFloat()]);
  const labels = Uint8Array.from(rows, (r) => (r[0]! + 0.5 * r[1]! + 0.3 * rng.nextGaussian() > 0.8 ? 1 : 0));
  const split = (a: number, b: number) => ({ x: matrixFromRows(rows.slice(a, b)), y: labels.slice(a, b) });
  const data = {
    train: split(0, 300),
    validation: split(300, 400),
    names: 'xgboost' as const,
    fixed: { randomState: 1, nThreads: 1 },
  };
  const params = { max_depth: 3, learning_rate: 0.2, n_estimators: 20, reg_lambda: 2 };

  it('reports the validation AUC of every round and returns the fitted model validation AUC', () => {
    const reports: [number, number][] = [];
    const value = gbdtObjective(params, data, {
      report: (v, s) => reports.push([s, v]),
      shouldPrune: () => false,
    });
    expect(reports.map(([s]) => s)).toEqual([...Array(20).keys()]);
    const model = new GradientBoostingClassifier(gbdtParamsFromSearch('xgboost', params, data.fixed)).fit(
      data.train.x,
      data.train.y,
    );
    expect(value).toBe(rocAucScore(data.validation.y, model.predictProba(data.validation.x)));
    expect(reports[19]![1]).toBeCloseTo(value, 12);
  });

  it('stops boosting when the pruner says so and throws TrialPruned', () => {
    let rounds = 0;
    expect(() =>
      gbdtObjective(params, data, { report: () => rounds++, shouldPrune: () => rounds >= 4 }),
    ).toThrow(new TrialPruned('trial pruned at round 3'));
    expect(rounds).toBe(4);
    expect(() => gbdtParamsFromSearch('xgboost', { num_leaves: 3 })).toThrow(
      'search parameter num_leaves has no xgboost equivalent',
    );
  });
});
