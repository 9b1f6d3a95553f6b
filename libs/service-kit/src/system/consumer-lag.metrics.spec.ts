import type { ConsumerLag } from '@mlops/contracts';
import { JsonLogger, MetricsRegistry } from '@mlops/observability';
import { CONSUMER_LAG_METRIC, ConsumerLagMetrics } from './consumer-lag.metrics.js';
import type { ConsumerIntrospection } from './ping-responder.service.js';

function setup(lag: () => Promise<ConsumerLag[]>, timeoutMs = 200) {
  const metrics = new MetricsRegistry({ service: 'drift', defaultMetrics: false });
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger({
    service: 'drift',
    level: 'debug',
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  let reads = 0;
  const consumer: ConsumerIntrospection = {
    subscribedTopics: () => ['mlops.system.ping.v1'],
    getConsumerLag: () => {
      reads++;
      return lag();
    },
  };
  new ConsumerLagMetrics(consumer, metrics, logger, timeoutMs);
  const lagLines = async (): Promise<string[]> =>
    (await metrics.metrics()).split('\n').filter((l) => l.startsWith(`${CONSUMER_LAG_METRIC}{`));
  return { metrics, lines, lagLines, reads: () => reads };
}

describe('ConsumerLagMetrics', () => {
  it('exports the lag per topic and partition at each scrape, read from Kafka then', async () => {
    let behind = 7;
    const { lagLines, reads } = setup(async () => [
      { topic: 'mlops.data.validation-completed.v1', partition: 0, lag: behind },
      { topic: 'mlops.system.ping.v1', partition: 2, lag: 0 },
    ]);
    expect(await lagLines()).toEqual([
      `${CONSUMER_LAG_METRIC}{topic="mlops.data.validation-completed.v1",partition="0",service="drift"} 7`,
      `${CONSUMER_LAG_METRIC}{topic="mlops.system.ping.v1",partition="2",service="drift"} 0`,
    ]);
    behind = 0;
    expect(await lagLines()).toContain(
      `${CONSUMER_LAG_METRIC}{topic="mlops.data.validation-completed.v1",partition="0",service="drift"} 0`,
    );
    expect(reads()).toBe(2);
  });

  it('drops the series of a partition the group no longer reads (no stale value)', async () => {
    let assigned: ConsumerLag[] = [
      { topic: 't.v1', partition: 0, lag: 3 },
      { topic: 't.v1', partition: 1, lag: 5 },
    ];
    const { lagLines } = setup(async () => assigned);
    expect(await lagLines()).toHaveLength(2);
    assigned = [{ topic: 't.v1', partition: 0, lag: 1 }];
    expect(await lagLines()).toEqual([
      `${CONSUMER_LAG_METRIC}{topic="t.v1",partition="0",service="drift"} 1`,
    ]);
  });

  it('answers the scrape without lag series when Kafka is slow, shares the pending read with the next scrape, and logs once', async () => {
    let release: (lag: ConsumerLag[]) => void = () => undefined;
    let calls = 0;
    const { metrics, lagLines, lines, reads } = setup(
      () =>
        calls++ === 0
          ? new Promise<ConsumerLag[]>((resolve) => (release = resolve))
          : Promise.resolve([{ topic: 't.v1', partition: 0, lag: 9 }]),
      50,
    );
    const started = performance.now();
    const text = await metrics.metrics();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(text).toContain(`# TYPE ${CONSUMER_LAG_METRIC} gauge`);
    expect(text.split('\n').filter((l) => l.startsWith(`${CONSUMER_LAG_METRIC}{`))).toEqual([]);
    // Still pending: the second scrape waits on the same read instead of starting another.
    expect(await lagLines()).toEqual([]);
    expect(reads()).toBe(1);
    expect(lines.filter((l) => l['level'] === 'warn').map((l) => l['msg'])).toEqual([
      'consumer lag unavailable for /metrics; the scrape has no lag series until Kafka answers',
    ]);
    release([{ topic: 't.v1', partition: 0, lag: 2 }]);
    await new Promise((r) => setImmediate(r));
    expect(await lagLines()).toEqual([
      `${CONSUMER_LAG_METRIC}{topic="t.v1",partition="0",service="drift"} 9`,
    ]);
    expect(reads()).toBe(2);
  });

  it('answers the scrape without lag series when the admin read fails, and recovers', async () => {
    let down = true;
    const { lagLines, lines } = setup(async () => {
      if (down) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
      return [{ topic: 't.v1', partition: 0, lag: 4 }];
    });
    expect(await lagLines()).toEqual([]);
    expect(await lagLines()).toEqual([]);
    down = false;
    expect(await lagLines()).toEqual([
      `${CONSUMER_LAG_METRIC}{topic="t.v1",partition="0",service="drift"} 4`,
    ]);
    const said = lines
      .filter((l) => l['level'] !== 'debug')
      .map((l) => [l['level'], l['msg'], l['error'] ?? l['failedScrapes']]);
    expect(said).toEqual([
      [
        'warn',
        'consumer lag unavailable for /metrics; the scrape has no lag series until Kafka answers',
        'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      ],
      ['info', 'consumer lag metric available again', 2],
    ]);
  });
});
