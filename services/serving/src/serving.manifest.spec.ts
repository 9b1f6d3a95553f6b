import { contractTopicsOf, manifestProblems } from '@mlops/service-kit';
import { servingManifest } from './serving.manifest.js';

describe('serving manifest', () => {
  it('agrees with the producers and consumers declared in @mlops/contracts', () => {
    expect(manifestProblems('serving', servingManifest)).toEqual([]);
    expect(servingManifest.consumes.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('serving', 'consumers').sort(),
    );
    expect(servingManifest.produces.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('serving', 'producers').sort(),
    );
  });
});
