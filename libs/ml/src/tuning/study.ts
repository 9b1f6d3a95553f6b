import { Rng } from '../core/random.js';
import {
  checkDistribution,
  contains,
  toExternal,
  TuningError,
  type Distribution,
  type ParamValue,
  type SearchSpace,
} from './distributions.js';
import { MedianPruner, type Pruner } from './pruners.js';
import { TpeSampler, type Sampler } from './samplers.js';
import {
  InMemoryStudyStorage,
  type FrozenTrial,
  type StudyDirection,
  type StudyStorage,
  type TrialState,
} from './storage.js';

/** Throw from an objective to stop a trial as PRUNED (Optuna's `TrialPruned`). */
export class TrialPruned extends Error {
  constructor(message = 'trial pruned') {
    super(message);
    this.name = 'TrialPruned';
  }
}

/** An objective run on the main thread; may be async (then `nWorkers` trials run concurrently). */
export type Objective = (trial: Trial) => number | Promise<number>;

/**
 * An objective whose trials run somewhere else (e.g. on worker threads, see WorkerObjective):
 * the study samples `searchSpace` on the main thread, then `run` evaluates the trial.
 */
export interface RemoteObjective {
  readonly searchSpace: SearchSpace;
  /** Prepares `nWorkers` parallel evaluators. */
  start(nWorkers: number): Promise<void>;
  /** Evaluates one trial whose parameters are already suggested; reports go through `trial`. */
  run(trial: Trial): Promise<number>;
  /** Releases the evaluators. */
  close(): Promise<void>;
}

export interface OptimizeOptions {
  /** Trials to run in this call (Optuna `n_trials`). */
  readonly nTrials?: number;
  /** Stop starting new trials after this many seconds; running trials finish (Optuna `timeout`). */
  readonly timeoutSeconds?: number;
  /** Trials run at once (Optuna `n_jobs`); with a RemoteObjective, that many worker threads. Default 1. */
  readonly nWorkers?: number;
  /**
   * An objective error is recorded as a FAIL trial; with `catchErrors` the study goes on,
   * otherwise (Optuna's default, `catch=()`) no new trial starts and the error is rethrown.
   */
  readonly catchErrors?: boolean;
  /** Called after every finished trial (Optuna callbacks). */
  readonly onTrialFinished?: (trial: FrozenTrial, study: Study) => void;
}

export interface CreateStudyOptions {
  readonly direction: StudyDirection;
  /** Default: a new {@link InMemoryStudyStorage}. */
  readonly storage?: StudyStorage;
  /** Default: `study-<timestamp>`. */
  readonly studyName?: string;
  /** Load the study of that name when it exists (Optuna `load_if_exists`), e.g. from another replica. */
  readonly loadIfExists?: boolean;
  /** Default: TpeSampler with Optuna's defaults. */
  readonly sampler?: Sampler;
  /** Default: MedianPruner with Optuna's defaults (as Optuna's create_study). */
  readonly pruner?: Pruner;
}

/**
 * A hyperparameter study (Optuna's Study): trials live in a {@link StudyStorage}; the sampler
 * reads all of them from there, so studies in several processes that share one storage and
 * study name cooperate. The study keeps a cache of the trials, refreshed from storage before each
 * trial starts and updated at once by this process's own trials.
 *
 * @example
 * const study = await Study.create({ direction: 'maximize', sampler: new TpeSampler({ seed: 1 }) });
 * await study.optimize((t) => -((t.suggestFloat('x', -10, 10) - 2) ** 2), { nTrials: 50 });
 * study.bestTrial.params; // { x: ~2 }
 */
export class Study {
  private cache: FrozenTrial[] = [];
  private readonly local = new Map<number, FrozenTrial>();
  private readonly baseSeed: number;

  private constructor(
    readonly studyId: number,
    readonly studyName: string,
    readonly direction: StudyDirection,
    readonly storage: StudyStorage,
    readonly sampler: Sampler,
    readonly pruner: Pruner,
  ) {
    this.baseSeed = sampler.seed ?? Math.floor(Math.random() * 2 ** 32);
  }

  /** Creates (or with `loadIfExists` loads) a study in `options.storage`. */
  static async create(options: CreateStudyOptions): Promise<Study> {
    const storage = options.storage ?? new InMemoryStudyStorage();
    const name = options.studyName ?? `study-${Date.now()}`;
    let id = await storage.getStudyId(name);
    let direction = options.direction;
    if (id !== null) {
      if (!options.loadIfExists)
        throw new TuningError(
          `a study named ${JSON.stringify(name)} already exists: pass loadIfExists: true to join it`,
        );
      direction = await storage.getStudyDirection(id);
      if (direction !== options.direction)
        throw new TuningError(`study ${JSON.stringify(name)} is '${direction}', not '${options.direction}'`);
    } else {
      id = await storage.createStudy(name, direction);
    }
    const study = new Study(
      id,
      name,
      direction,
      storage,
      options.sampler ?? new TpeSampler(),
      options.pruner ?? new MedianPruner(),
    );
    await study.refresh();
    return study;
  }

  /** Re-reads every trial from storage (other workers' and replicas' trials included). */
  async refresh(): Promise<void> {
    const all = await this.storage.getAllTrials(this.studyId);
    // this process's running trials are fresher in memory than in storage
    this.cache = all.map((t) => this.local.get(t.trialId) ?? t);
  }

  /** Trials as last seen (number order). */
  get trials(): readonly FrozenTrial[] {
    return this.cache;
  }

  /** The best COMPLETE trial. @throws when no trial has completed. */
  get bestTrial(): FrozenTrial {
    let best: FrozenTrial | null = null;
    for (const t of this.cache) {
      if (t.state !== 'COMPLETE' || t.value === null) continue;
      if (!best || (this.direction === 'maximize' ? t.value > best.value! : t.value < best.value!)) best = t;
    }
    if (!best) throw new TuningError(`study ${this.studyName} has no COMPLETE trial yet: run optimize first`);
    return best;
  }

  get bestValue(): number {
    return this.bestTrial.value!;
  }

  get bestParams(): Readonly<Record<string, ParamValue>> {
    return this.bestTrial.params;
  }

  /** Starts a trial (Optuna `ask`): a RUNNING trial in storage with the next number. */
  async ask(): Promise<Trial> {
    await this.refresh();
    const { trialId, number } = await this.storage.createTrial(this.studyId);
    const rng = new Rng(
      (Math.imul(this.baseSeed >>> 0, 0x9e3779b1) ^ Math.imul(number + 1, 0x85ebca6b)) >>> 0,
    );
    const trial = new Trial(this, trialId, number, rng);
    this.publish(trial.snapshot());
    return trial;
  }

  /**
   * Finishes a trial (Optuna `tell`): COMPLETE with a finite value; PRUNED keeps the last
   * intermediate value as its value; FAIL records `failReason`. Pending writes are flushed first.
   */
  async tell(
    trial: Trial,
    state: Exclude<TrialState, 'RUNNING'>,
    value: number | null = null,
    failReason: string | null = null,
  ): Promise<FrozenTrial> {
    let v = value;
    let s = state;
    let reason = failReason;
    try {
      await trial.flush();
    } catch (e) {
      s = 'FAIL';
      reason = `writing the trial to storage failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (s === 'COMPLETE' && (v === null || !Number.isFinite(v))) {
      s = 'FAIL';
      reason = `the objective returned ${String(v)}: it must return a finite number`;
      v = null;
    }
    if (s === 'PRUNED' && v === null) {
      const last = trial.lastStep;
      v = last === null ? null : trial.intermediateValues.get(last)!;
    }
    await this.storage.finishTrial(trial.trialId, s, v, reason);
    const done: FrozenTrial = {
      ...trial.snapshot(),
      state: s,
      value: v,
      failReason: reason,
      completedAt: Date.now(),
    };
    this.local.delete(trial.trialId);
    this.replace(done);
    return done;
  }

  /**
   * Runs trials: `nTrials` of them and/or until `timeoutSeconds`, `nWorkers` at a time.
   * Pruned trials (the objective throws {@link TrialPruned}) end PRUNED; objective errors and
   * non-finite values end FAIL (see `catchErrors`).
   */
  async optimize(objective: Objective | RemoteObjective, options: OptimizeOptions = {}): Promise<void> {
    const nWorkers = options.nWorkers ?? 1;
    if (!Number.isInteger(nWorkers) || nWorkers < 1)
      throw new TuningError(`nWorkers must be a positive integer, got ${nWorkers}`);
    if (options.nTrials === undefined && options.timeoutSeconds === undefined)
      throw new TuningError('optimize needs nTrials or timeoutSeconds (or both) to know when to stop');
    if (options.nTrials !== undefined && (!Number.isInteger(options.nTrials) || options.nTrials < 0))
      throw new TuningError(`nTrials must be a non-negative integer, got ${options.nTrials}`);
    if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0))
      throw new TuningError(`timeoutSeconds must be > 0, got ${options.timeoutSeconds}`);
    const deadline =
      options.timeoutSeconds !== undefined
        ? Date.now() + options.timeoutSeconds * 1000
        : Number.POSITIVE_INFINITY;
    const remote = typeof objective === 'function' ? null : objective;
    let started = 0;
    let error: unknown = null;
    if (remote) await remote.start(nWorkers);
    const loop = async (): Promise<void> => {
      while (
        error === null &&
        (options.nTrials === undefined || started < options.nTrials) &&
        Date.now() < deadline
      ) {
        started++;
        const trial = await this.ask();
        let finished: FrozenTrial;
        try {
          let value: number;
          if (remote) {
            trial.suggestAll(remote.searchSpace);
            value = await remote.run(trial);
          } else {
            value = await (objective as Objective)(trial);
          }
          finished = await this.tell(trial, 'COMPLETE', typeof value === 'number' ? value : Number.NaN);
        } catch (e) {
          if (e instanceof TrialPruned || (e instanceof Error && e.name === 'TrialPruned')) {
            finished = await this.tell(trial, 'PRUNED');
          } else {
            finished = await this.tell(trial, 'FAIL', null, e instanceof Error ? e.message : String(e));
            if (!options.catchErrors && error === null) error = e;
          }
        }
        options.onTrialFinished?.(finished, this);
      }
    };
    try {
      await Promise.all(Array.from({ length: nWorkers }, loop));
    } finally {
      if (remote) await remote.close();
    }
    if (error !== null) throw error;
  }

  /** @internal the pruning decision for a running trial of this study. */
  shouldPrune(intermediate: ReadonlyMap<number, number>): boolean {
    const completed = this.cache.filter((t) => t.state === 'COMPLETE');
    return this.pruner.prune(completed, intermediate, this.direction);
  }

  /** @internal sampler call for a running trial. */
  sample(trial: Trial, name: string, dist: Distribution, rng: Rng): number {
    return this.sampler.sampleIndependent(
      { trials: this.cache, direction: this.direction, trialNumber: trial.number, rng },
      name,
      dist,
    );
  }

  /** @internal a running trial's new state (params, reports) into the cache. */
  publish(t: FrozenTrial): void {
    this.local.set(t.trialId, t);
    this.replace(t);
  }

  private replace(t: FrozenTrial): void {
    const i = this.cache.findIndex((c) => c.trialId === t.trialId);
    if (i >= 0) this.cache[i] = t;
    else {
      this.cache.push(t);
      this.cache.sort((a, b) => a.number - b.number);
    }
  }
}

/**
 * One trial of a study (Optuna's Trial): suggests parameters (define-by-run), reports
 * intermediate values and asks whether to prune. Synchronous for the caller (so it can be used
 * from a training callback); writes go to storage in order in the background and are flushed
 * before the trial finishes.
 */
export class Trial {
  private readonly params: Record<string, ParamValue> = {};
  private readonly distributions: Record<string, Distribution> = {};
  readonly intermediateValues = new Map<number, number>();
  private pending: Promise<void> = Promise.resolve();
  private writeError: unknown = null;
  private readonly startedAt = Date.now();

  constructor(
    private readonly study: Study,
    readonly trialId: number,
    readonly number: number,
    private readonly rng: Rng,
  ) {}

  /** Optuna `suggest_float(name, low, high, log=, step=)`. */
  suggestFloat(
    name: string,
    low: number,
    high: number,
    options: { log?: boolean; step?: number } = {},
  ): number {
    return this.suggest(name, { type: 'float', low, high, ...options }) as number;
  }

  /** Optuna `suggest_int(name, low, high, step=1, log=)`. */
  suggestInt(
    name: string,
    low: number,
    high: number,
    options: { log?: boolean; step?: number } = {},
  ): number {
    return this.suggest(name, { type: 'int', low, high, ...options }) as number;
  }

  /** Optuna `suggest_categorical(name, choices)`. */
  suggestCategorical<T extends ParamValue>(name: string, choices: readonly T[]): T {
    return this.suggest(name, { type: 'categorical', choices }) as T;
  }

  /** Suggests one parameter of any distribution; a name suggested twice returns the first value. */
  suggest(name: string, distribution: Distribution): ParamValue {
    const dist = checkDistribution(name, distribution);
    const prev = this.params[name];
    if (prev !== undefined) return prev;
    const internal = this.study.sample(this, name, dist, this.rng);
    if (!contains(dist, internal))
      throw new TuningError(`the sampler returned ${internal} for ${name}, outside its distribution`);
    const value = toExternal(dist, internal);
    this.params[name] = value;
    this.distributions[name] = dist;
    this.enqueue(() => this.study.storage.setTrialParam(this.trialId, name, internal, dist));
    this.study.publish(this.snapshot());
    return value;
  }

  /** Suggests every parameter of a search space, in its order. */
  suggestAll(space: SearchSpace): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    for (const [name, d] of Object.entries(space)) out[name] = this.suggest(name, d);
    return out;
  }

  /** Records the intermediate objective value at `step` (e.g. validation AUC after round `step`). */
  report(value: number, step: number): void {
    if (!Number.isInteger(step) || step < 0)
      throw new TuningError(`report step must be a non-negative integer, got ${step}`);
    if (typeof value !== 'number')
      throw new TuningError(`report value must be a number, got ${String(value)}`);
    if (this.intermediateValues.has(step)) return; // Optuna warns and ignores a repeated step
    this.intermediateValues.set(step, value);
    this.enqueue(() => this.study.storage.reportIntermediate(this.trialId, step, value));
    this.study.publish(this.snapshot());
  }

  /** Whether the study's pruner would stop this trial now (Optuna `should_prune`). */
  shouldPrune(): boolean {
    return this.study.shouldPrune(this.intermediateValues);
  }

  get lastStep(): number | null {
    let s: number | null = null;
    for (const k of this.intermediateValues.keys()) if (s === null || k > s) s = k;
    return s;
  }

  /** Parameters suggested so far. */
  getParams(): Readonly<Record<string, ParamValue>> {
    return { ...this.params };
  }

  /** Waits for the queued storage writes; rethrows the first write error. */
  async flush(): Promise<void> {
    await this.pending;
    if (this.writeError !== null) throw this.writeError;
  }

  /** The trial as a RUNNING FrozenTrial. */
  snapshot(): FrozenTrial {
    return {
      trialId: this.trialId,
      number: this.number,
      state: 'RUNNING',
      value: null,
      params: { ...this.params },
      distributions: { ...this.distributions },
      intermediateValues: new Map(this.intermediateValues),
      startedAt: this.startedAt,
      completedAt: null,
      failReason: null,
    };
  }

  private enqueue(write: () => Promise<void>): void {
    this.pending = this.pending.then(write).catch((e: unknown) => {
      if (this.writeError === null) this.writeError = e;
    });
  }
}
