import { trainingProgressSchema, type TrainingProgressPayload } from '@mlops/contracts';
import type { TrainingProgressEvent } from '@mlops/training';
import { ProgressRelay } from './training.service.js';

const JOB = '8f14e45f-ceea-4b67-9b0c-6c1c1d6b6a2e';

function round(r: number, total: number, phase: 'final_fit' | 'tuning' = 'final_fit'): TrainingProgressEvent {
  return {
    kind: 'round',
    progress: {
      model: 'xgboost',
      phase,
      round: r,
      totalRounds: total,
      trainLoss: 0.6 - r / 1000,
      validLoss: 0.62 - r / 2000,
      validAuc: 0.8,
    },
  };
}

describe('ProgressRelay', () => {
  it('sends round 1, every 10th and the last round per fit, as valid progress payloads', async () => {
    const sent: TrainingProgressPayload[] = [];
    const relay = new ProgressRelay(JOB, 10, (p) => {
      sent.push(p);
      return Promise.resolve();
    });
    for (let r = 1; r <= 25; r++) relay.on(round(r, 25));
    relay.on({ kind: 'step', step: 'export', message: 'x' });
    await relay.flush();
    expect(sent.map((p) => p.round)).toEqual([1, 10, 20, 25]);
    for (const p of sent) expect(trainingProgressSchema.safeParse(p).success).toBe(true);
    expect(sent.every((p) => p.trainingJobId === JOB)).toBe(true);
  });

  it('keeps every final-fit round as run metrics (not tuning rounds), and counts failed sends', async () => {
    const relay = new ProgressRelay(JOB, 10, () => Promise.reject(new Error('broker down')));
    for (let r = 1; r <= 12; r++) relay.on(round(r, 12));
    for (let r = 1; r <= 5; r++) relay.on(round(r, 5, 'tuning'));
    await relay.flush();
    const points = relay.points.get('xgboost')!;
    expect(points.filter((p) => p.key === 'round_train_loss').map((p) => p.step)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ]);
    expect(points.filter((p) => p.key === 'round_valid_auc')).toHaveLength(12);
    expect(relay.failures).toBe(5); // 1, 10, 12 of the final fit; 1, 5 of the tuning fit
  });
});
