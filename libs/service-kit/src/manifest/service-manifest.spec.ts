import { topics } from '@mlops/contracts';
import {
  contractTopicsOf,
  defineManifest,
  ManifestError,
  manifestProblems,
  manifestTopicNames,
} from './service-manifest.js';

describe('service manifests', () => {
  it('accepts a manifest that matches the contracts exactly', () => {
    const sut = defineManifest('registry', {
      consumes: [topics.systemPing, topics.experimentConcluded],
      produces: [topics.systemPong, topics.modelPromoted, topics.modelRolledBack],
    });
    expect(Object.isFrozen(sut.consumes)).toBe(true);
    expect(manifestTopicNames(sut)).toEqual([
      'mlops.system.ping.v1',
      'mlops.experiment.concluded.v1',
      'mlops.system.pong.v1',
      'mlops.model.promoted.v1',
      'mlops.model.rolled-back.v1',
    ]);
  });

  it('reads who consumes and produces what from the contracts', () => {
    expect(contractTopicsOf('validation', 'consumers')).toEqual([
      'mlops.system.ping.v1',
      'mlops.data.ingested.v1',
    ]);
    expect(contractTopicsOf('validation', 'producers')).toEqual([
      'mlops.system.pong.v1',
      'mlops.data.validation-completed.v1',
    ]);
  });

  it('lists every disagreement in both directions, naming the topic and what to do', () => {
    const problems = manifestProblems('registry', {
      consumes: [topics.experimentConcluded, topics.experimentConcluded, topics.dataIngested],
      produces: [topics.systemPong, topics.modelPromoted],
    });
    expect(problems).toEqual([
      'consumes: mlops.experiment.concluded.v1 is listed twice',
      'consumes: mlops.data.ingested.v1 does not name registry among its consumers in @mlops/contracts; add registry there or drop the topic from the manifest',
      'consumes: mlops.system.ping.v1 names registry among its consumers in @mlops/contracts but the manifest leaves it out',
      'produces: mlops.model.rolled-back.v1 names registry among its producers in @mlops/contracts but the manifest leaves it out',
      'consumes: every service answers mlops.system.ping.v1; list topics.systemPing',
    ]);
  });

  it('refuses a topic the contracts do not declare', () => {
    const stray = { ...topics.systemPing, name: 'mlops.system.unknown.v1' as const };
    expect(
      manifestProblems('serving', {
        consumes: [...defineServingConsumes(), stray],
        produces: [topics.systemPong, topics.predictionServed],
      }),
    ).toEqual([
      'consumes: mlops.system.unknown.v1 is not declared in @mlops/contracts (declare it there first)',
    ]);
  });

  it('defineManifest throws a ManifestError carrying every problem', () => {
    let caught: unknown;
    try {
      defineManifest('drift', { consumes: [], produces: [] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ManifestError);
    const error = caught as ManifestError;
    expect(error.service).toBe('drift');
    expect(error.problems).toHaveLength(
      contractTopicsOf('drift', 'consumers').length + contractTopicsOf('drift', 'producers').length + 2,
    );
    expect(error.message).toContain(
      'manifest of drift disagrees with @mlops/contracts:\n  - consumes: mlops.system.ping.v1 names drift',
    );
  });
});

function defineServingConsumes() {
  return [
    topics.systemPing,
    topics.featuresMaterialized,
    topics.modelRegistered,
    topics.modelPromoted,
    topics.modelRolledBack,
    topics.experimentStarted,
    topics.experimentConcluded,
  ];
}
