import type { TrainingPhase, TrainingProgressPayload } from '@mlops/contracts';
import type { TrialState } from '@mlops/ml';
import type { Algorithm } from './model-params.js';

/**
 * One round of one fit: exactly the contracts' `mlops.training.progress.v1` payload without the
 * job id (the caller that owns a job adds it, see {@link toTrainingProgressPayload}). `round` is
 * 1-based; gradient boosting reports every boosting round, a random forest one event when its
 * trees are grown (round = totalRounds = trees), logistic regression one event with its Newton
 * iterations (round = totalRounds = iterations).
 */
export type RoundProgress = Omit<TrainingProgressPayload, 'trainingJobId'>;

/** Progress of {@link runTraining}, in the order things happen. */
export type TrainingProgressEvent =
  /** A pipeline step began (`read`, `split`, `features`, `select`, `export`, `explain`). */
  | { readonly kind: 'step'; readonly step: string; readonly message: string }
  /** A fit starts: a tuning trial, a CV fold or the final model. */
  | {
      readonly kind: 'fit-started';
      readonly model: Algorithm;
      readonly phase: TrainingPhase;
      readonly totalRounds: number;
      readonly trial?: number;
      readonly totalTrials?: number;
      readonly fold?: number;
      readonly totalFolds?: number;
    }
  | { readonly kind: 'round'; readonly progress: RoundProgress }
  /** A tuning trial ended (COMPLETE, PRUNED or FAIL) with the study's best value so far. */
  | {
      readonly kind: 'trial-finished';
      readonly model: Algorithm;
      readonly trial: number;
      readonly totalTrials: number;
      readonly state: TrialState;
      readonly value: number | null;
      readonly bestValue: number | null;
    }
  /** A candidate is trained and evaluated. */
  | {
      readonly kind: 'model-finished';
      readonly model: Algorithm;
      readonly validationRocAuc: number;
      readonly testRocAuc: number;
      readonly threshold: number;
      readonly seconds: number;
    };

export type ProgressListener = (event: TrainingProgressEvent) => void;

/** The contracts' payload of a round event, for a job (`trainingJobId`: a uuid). */
export function toTrainingProgressPayload(
  progress: RoundProgress,
  trainingJobId: string,
): TrainingProgressPayload {
  return { trainingJobId, ...progress };
}
