import { allTopics, topics, type TopicContract } from '@mlops/contracts';
import type { ServiceName } from '@mlops/config';

/**
 * The topics a service consumes and produces, declared in `services/<name>/src/<name>.manifest.ts`.
 * It must agree with the `producers`/`consumers` fields of the contracts (libs/contracts, the one
 * declaration of who talks to whom): {@link manifestProblems} checks both directions, at boot and in
 * each service's manifest spec.
 */
export interface ServiceManifest {
  readonly consumes: readonly TopicContract[];
  readonly produces: readonly TopicContract[];
}

/** A manifest with its topics frozen; the one way to declare one (`defineManifest('drift', {...})`). */
export function defineManifest(service: ServiceName, manifest: ServiceManifest): ServiceManifest {
  const problems = manifestProblems(service, manifest);
  if (problems.length > 0) throw new ManifestError(service, problems);
  return Object.freeze({
    consumes: Object.freeze([...manifest.consumes]),
    produces: Object.freeze([...manifest.produces]),
  });
}

/**
 * Every disagreement between a manifest and the contracts, one sentence each (empty when they
 * agree): a topic listed twice, a topic the contracts do not declare, a topic the contracts say the
 * service consumes (produces) that the manifest leaves out, or the reverse. The system ping/pong
 * pair is part of every service's contract.
 */
export function manifestProblems(service: ServiceName, manifest: ServiceManifest): string[] {
  const problems: string[] = [];
  for (const [role, listed, expected] of [
    ['consumes', manifest.consumes, contractTopicsOf(service, 'consumers')],
    ['produces', manifest.produces, contractTopicsOf(service, 'producers')],
  ] as const) {
    const names = listed.map((t) => t.name);
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) problems.push(`${role}: ${name} is listed twice`);
      seen.add(name);
      if (!allTopics.some((t) => t.name === name)) {
        problems.push(`${role}: ${name} is not declared in @mlops/contracts (declare it there first)`);
      }
    }
    const party = role === 'consumes' ? 'consumers' : 'producers';
    for (const name of seen) {
      if (!expected.includes(name) && allTopics.some((t) => t.name === name)) {
        problems.push(
          `${role}: ${name} does not name ${service} among its ${party} in @mlops/contracts; add ${service} there or drop the topic from the manifest`,
        );
      }
    }
    for (const name of expected) {
      if (!seen.has(name)) {
        problems.push(
          `${role}: ${name} names ${service} among its ${party} in @mlops/contracts but the manifest leaves it out`,
        );
      }
    }
  }
  if (!manifest.consumes.some((t) => t.name === topics.systemPing.name)) {
    problems.push(`consumes: every service answers ${topics.systemPing.name}; list topics.systemPing`);
  }
  if (!manifest.produces.some((t) => t.name === topics.systemPong.name)) {
    problems.push(`produces: every service answers on ${topics.systemPong.name}; list topics.systemPong`);
  }
  return [...new Set(problems)];
}

/** Names of the topics whose `consumers` (or `producers`) include the service, in registry order. */
export function contractTopicsOf(service: ServiceName, side: 'consumers' | 'producers'): string[] {
  return allTopics.filter((t) => (t[side] as readonly string[]).includes(service)).map((t) => t.name);
}

/** Every topic a manifest names (consumed and produced), once each. */
export function manifestTopicNames(manifest: ServiceManifest): string[] {
  return [...new Set([...manifest.consumes, ...manifest.produces].map((t) => t.name))];
}

/** A manifest disagrees with the contracts; `problems` lists every disagreement. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(
      `manifest of ${service} disagrees with @mlops/contracts:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}
