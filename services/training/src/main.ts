import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { trainingManifest } from './training.manifest.js';
import { TrainingModule } from './training.module.js';

await bootstrapService({
  name: 'training',
  version: readPackageVersion(import.meta.url),
  module: TrainingModule,
  uses: { postgres: true },
  manifest: trainingManifest,
});
