import { contractTopicsOf, manifestProblems } from '@mlops/service-kit';
import { registryManifest } from './registry.manifest.js';

describe('registry manifest', () => {
  it('agrees with the producers and consumers declared in @mlops/contracts', () => {
    expect(manifestProblems('registry', registryManifest)).toEqual([]);
    expect(registryManifest.consumes.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('registry', 'consumers').sort(),
    );
    expect(registryManifest.produces.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('registry', 'producers').sort(),
    );
  });
});
