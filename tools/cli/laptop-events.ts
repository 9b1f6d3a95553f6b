import { topics, type EventOf, type TopicContract } from '@mlops/contracts';
import { InMemoryIdempotencyStore, InProcessEventBus } from '@mlops/messaging';

/** The model events laptop mode emits, and how the CLI words each one. */
const DESCRIBE = {
  [topics.modelRegistered.name]: (p: EventOf<typeof topics.modelRegistered>['payload']) =>
    `registered ${p.modelName} v${p.version} (${p.algorithm}, sha256:${p.checksum.slice(0, 12)})`,
  [topics.modelPromoted.name]: (p: EventOf<typeof topics.modelPromoted>['payload']) =>
    p.alias !== undefined && p.fromStage === p.toStage
      ? `set alias ${p.alias} on ${p.modelName} v${p.version}`
      : `promoted ${p.modelName} v${p.version} to ${p.toStage}` +
        (p.archivedVersions?.length
          ? ` (archived ${p.archivedVersions.map((v) => `v${v}`).join(', ')})`
          : ''),
  [topics.modelRolledBack.name]: (p: EventOf<typeof topics.modelRolledBack>['payload']) =>
    `rolled ${p.modelName} ${p.stage} back from v${p.fromVersion} to v${p.toVersion}`,
  [topics.modelRejected.name]: (p: EventOf<typeof topics.modelRejected>['payload']) =>
    `rejected ${p.modelName} (run ${p.runId}): ${p.reasons.map((r) => r.check).join(', ')}`,
};

/**
 * Laptop mode's events: an in-process bus (libs/messaging's InProcessEventBus: the same contract
 * validation, envelope and dedupe as on Kafka) that the embedded registry publishes to, with the
 * CLI subscribed to the model topics. Each event it receives becomes a line such as
 * `promoted churn-predictor v3 to Staging (mlops.model.promoted.v1)`.
 */
export class LaptopEvents {
  readonly bus = new InProcessEventBus({
    groupId: 'mlops-cli',
    idempotencyStore: new InMemoryIdempotencyStore(),
    producerName: 'mlops-cli',
  });
  /** What was observed, in delivery order. */
  readonly observed: string[] = [];

  private constructor(private readonly onEvent: (line: string) => void) {
    this.observe(topics.modelRegistered, DESCRIBE[topics.modelRegistered.name]);
    this.observe(topics.modelPromoted, DESCRIBE[topics.modelPromoted.name]);
    this.observe(topics.modelRolledBack, DESCRIBE[topics.modelRolledBack.name]);
    this.observe(topics.modelRejected, DESCRIBE[topics.modelRejected.name]);
  }

  static async start(onEvent: (line: string) => void = () => undefined): Promise<LaptopEvents> {
    const events = new LaptopEvents(onEvent);
    await events.bus.start();
    return events;
  }

  /** Waits until every published event was delivered, then stops the bus. */
  async close(): Promise<void> {
    await this.bus.idle();
    await this.bus.close();
  }

  private observe<T extends TopicContract>(
    topic: T,
    describe: (payload: EventOf<T>['payload']) => string,
  ): void {
    this.bus.subscribe(topic, (event) => {
      const line = `${describe(event.payload)} (${topic.name})`;
      this.observed.push(line);
      this.onEvent(line);
    });
  }
}
