import { contractTopicsOf, manifestProblems } from '@mlops/service-kit';
import { validationManifest } from './validation.manifest.js';

describe('validation manifest', () => {
  it('agrees with the producers and consumers declared in @mlops/contracts', () => {
    expect(manifestProblems('validation', validationManifest)).toEqual([]);
    expect(validationManifest.consumes.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('validation', 'consumers').sort(),
    );
    expect(validationManifest.produces.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('validation', 'producers').sort(),
    );
  });
});
