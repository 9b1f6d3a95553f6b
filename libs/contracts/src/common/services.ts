/**
 * The services of the platform, as they name themselves on the bus (`producer` of the envelope,
 * `service` of a pong). `operator` stands for people and tools outside the services (the CLI, an
 * integration test, a scheduler script).
 */
export const serviceNames = [
  'ingestion',
  'validation',
  'drift',
  'training',
  'registry',
  'serving',
  'experiments',
  'pipeline',
] as const;

export type ServiceName = (typeof serviceNames)[number];

/** A party that produces or consumes a topic: a service, or `operator` (CLI, scripts, tests). */
export type Party = ServiceName | 'operator';
