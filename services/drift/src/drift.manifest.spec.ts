import { contractTopicsOf, manifestProblems } from '@mlops/service-kit';
import { driftManifest } from './drift.manifest.js';

describe('drift manifest', () => {
  it('agrees with the producers and consumers declared in @mlops/contracts', () => {
    expect(manifestProblems('drift', driftManifest)).toEqual([]);
    expect(driftManifest.consumes.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('drift', 'consumers').sort(),
    );
    expect(driftManifest.produces.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('drift', 'producers').sort(),
    );
  });
});
