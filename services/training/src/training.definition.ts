import type { ServiceDefinition } from '@mlops/service-kit';
import { CreateTrainingJobs1767484800000 } from './database/1767484800000-create-training-jobs.js';
import { TrainingJobEntity } from './jobs/training-job.entity.js';
import { trainingManifest } from './training.manifest.js';
import { TrainingModule, type TrainingModuleOptions } from './training.module.js';

/** The training service's definition for `bootstrapService` / `startService` (tests pass options). */
export function trainingDefinition(version: string, options: TrainingModuleOptions = {}): ServiceDefinition {
  return {
    name: 'training',
    version,
    module: TrainingModule.forRoot(options),
    uses: { postgres: { entities: [TrainingJobEntity], migrations: [CreateTrainingJobs1767484800000] } },
    manifest: trainingManifest,
  };
}
