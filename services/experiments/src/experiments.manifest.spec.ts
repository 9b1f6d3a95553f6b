import { contractTopicsOf, manifestProblems } from '@mlops/service-kit';
import { experimentsManifest } from './experiments.manifest.js';

describe('experiments manifest', () => {
  it('agrees with the producers and consumers declared in @mlops/contracts', () => {
    expect(manifestProblems('experiments', experimentsManifest)).toEqual([]);
    expect(experimentsManifest.consumes.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('experiments', 'consumers').sort(),
    );
    expect(experimentsManifest.produces.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('experiments', 'producers').sort(),
    );
  });
});
