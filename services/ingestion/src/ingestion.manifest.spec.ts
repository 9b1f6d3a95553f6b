import { contractTopicsOf, manifestProblems } from '@mlops/service-kit';
import { ingestionManifest } from './ingestion.manifest.js';

describe('ingestion manifest', () => {
  it('agrees with the producers and consumers declared in @mlops/contracts', () => {
    expect(manifestProblems('ingestion', ingestionManifest)).toEqual([]);
    expect(ingestionManifest.consumes.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('ingestion', 'consumers').sort(),
    );
    expect(ingestionManifest.produces.map((t) => t.name).sort()).toEqual(
      contractTopicsOf('ingestion', 'producers').sort(),
    );
  });
});
