import { contractTopicsOf, manifestProblems } from '@mlops/service-kit';
import { trainingManifest } from './training.manifest.js';

describe('training manifest', () => {
  it('agrees with the producers and consumers declared in @mlops/contracts', () => {
    expect(manifestProblems('training', trainingManifest)).toEqual([]);
    expect(trainingManifest.consumes.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('training', 'consumers').sort(),
    );
    expect(trainingManifest.produces.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('training', 'producers').sort(),
    );
  });
});
