import {
  sameDistribution,
  toExternal,
  TuningError,
  type Distribution,
  type ParamValue,
} from './distributions.js';

/** Optuna's trial states (WAITING is not used: trials are created when they start). */
export type TrialState = 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL';

export type StudyDirection = 'maximize' | 'minimize';

/** A snapshot of one trial, as samplers and pruners read it (Optuna's FrozenTrial). */
export interface FrozenTrial {
  readonly trialId: number;
  /** 0-based position of the trial in its study (assigned by the storage). */
  readonly number: number;
  readonly state: TrialState;
  /** Objective value (COMPLETE trials; a PRUNED trial may carry its last intermediate value). */
  readonly value: number | null;
  /** External parameter values. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** step -> reported intermediate value. */
  readonly intermediateValues: ReadonlyMap<number, number>;
  readonly startedAt: number;
  readonly completedAt: number | null;
  /** Why a FAIL trial failed (error message), else null. */
  readonly failReason: string | null;
}

/**
 * Where a study keeps its trials. Asynchronous so that it can live in a database: several
 * workers or service replicas that share one storage share one study (the sampler reads every
 * trial from it, as Optuna's RDBStorage). Trial numbers are assigned by the storage, so they are
 * unique across replicas.
 */
export interface StudyStorage {
  /** Creates a study; returns its id. @throws if the name exists (use {@link getStudyId} to load). */
  createStudy(name: string, direction: StudyDirection): Promise<number>;
  /** The id of the study called `name`, or null. */
  getStudyId(name: string): Promise<number | null>;
  getStudyDirection(studyId: number): Promise<StudyDirection>;
  /** Creates a RUNNING trial with the next number of the study. */
  createTrial(studyId: number): Promise<{ trialId: number; number: number }>;
  /** Records a parameter (internal value); a parameter is write-once per trial. */
  setTrialParam(
    trialId: number,
    name: string,
    internalValue: number,
    distribution: Distribution,
  ): Promise<void>;
  /** Records the intermediate value at `step` (a step reported twice keeps the first, as Optuna warns and ignores). */
  reportIntermediate(trialId: number, step: number, value: number): Promise<void>;
  /** Moves a RUNNING trial to a finished state. @throws if the trial is already finished. */
  finishTrial(
    trialId: number,
    state: Exclude<TrialState, 'RUNNING'>,
    value: number | null,
    failReason?: string | null,
  ): Promise<void>;
  /** All trials of the study in number order, optionally only those in `states`. */
  getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]>;
}

interface MutableTrial {
  trialId: number;
  studyId: number;
  number: number;
  state: TrialState;
  value: number | null;
  params: Map<string, { internal: number; distribution: Distribution }>;
  intermediate: Map<number, number>;
  startedAt: number;
  completedAt: number | null;
  failReason: string | null;
}

/**
 * {@link StudyStorage} in process memory (Optuna's InMemoryStorage): shared by every worker of
 * one process; lost when the process ends. Snapshots returned by `getAllTrials` are copies.
 */
export class InMemoryStudyStorage implements StudyStorage {
  private readonly studies: { name: string; direction: StudyDirection; trials: number[] }[] = [];
  private readonly trials: MutableTrial[] = [];

  async createStudy(name: string, direction: StudyDirection): Promise<number> {
    if (direction !== 'maximize' && direction !== 'minimize')
      throw new TuningError(`direction must be 'maximize' or 'minimize', got ${String(direction)}`);
    if (this.studies.some((s) => s.name === name))
      throw new TuningError(
        `a study named ${JSON.stringify(name)} already exists: load it with loadIfExists: true or pick another name`,
      );
    this.studies.push({ name, direction, trials: [] });
    return this.studies.length - 1;
  }

  async getStudyId(name: string): Promise<number | null> {
    const i = this.studies.findIndex((s) => s.name === name);
    return i < 0 ? null : i;
  }

  async getStudyDirection(studyId: number): Promise<StudyDirection> {
    return this.study(studyId).direction;
  }

  async createTrial(studyId: number): Promise<{ trialId: number; number: number }> {
    const study = this.study(studyId);
    const trialId = this.trials.length;
    const number = study.trials.length;
    this.trials.push({
      trialId,
      studyId,
      number,
      state: 'RUNNING',
      value: null,
      params: new Map(),
      intermediate: new Map(),
      startedAt: Date.now(),
      completedAt: null,
      failReason: null,
    });
    study.trials.push(trialId);
    return { trialId, number };
  }

  async setTrialParam(
    trialId: number,
    name: string,
    internalValue: number,
    distribution: Distribution,
  ): Promise<void> {
    const t = this.running(trialId, 'setTrialParam');
    const prev = t.params.get(name);
    if (prev) {
      if (prev.internal === internalValue && sameDistribution(prev.distribution, distribution)) return;
      throw new TuningError(
        `trial ${t.number}: parameter ${name} is already set to ${prev.internal}; parameters are write-once`,
      );
    }
    t.params.set(name, { internal: internalValue, distribution });
  }

  async reportIntermediate(trialId: number, step: number, value: number): Promise<void> {
    const t = this.running(trialId, 'reportIntermediate');
    if (!t.intermediate.has(step)) t.intermediate.set(step, value);
  }

  async finishTrial(
    trialId: number,
    state: Exclude<TrialState, 'RUNNING'>,
    value: number | null,
    failReason: string | null = null,
  ): Promise<void> {
    const t = this.running(trialId, 'finishTrial');
    t.state = state;
    t.value = value;
    t.failReason = failReason;
    t.completedAt = Date.now();
  }

  async getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    const out: FrozenTrial[] = [];
    for (const id of this.study(studyId).trials) {
      const t = this.trials[id]!;
      if (states && !states.includes(t.state)) continue;
      const params: Record<string, ParamValue> = {};
      const distributions: Record<string, Distribution> = {};
      for (const [name, p] of t.params) {
        params[name] = toExternal(p.distribution, p.internal);
        distributions[name] = p.distribution;
      }
      out.push({
        trialId: t.trialId,
        number: t.number,
        state: t.state,
        value: t.value,
        params,
        distributions,
        intermediateValues: new Map(t.intermediate),
        startedAt: t.startedAt,
        completedAt: t.completedAt,
        failReason: t.failReason,
      });
    }
    return out;
  }

  private study(studyId: number): { name: string; direction: StudyDirection; trials: number[] } {
    const s = this.studies[studyId];
    if (!s) throw new TuningError(`no study with id ${studyId} in this storage`);
    return s;
  }

  private running(trialId: number, what: string): MutableTrial {
    const t = this.trials[trialId];
    if (!t) throw new TuningError(`${what}: no trial with id ${trialId}`);
    if (t.state !== 'RUNNING')
      throw new TuningError(
        `${what}: trial ${t.number} is already ${t.state}; a finished trial cannot change`,
      );
    return t;
  }
}
