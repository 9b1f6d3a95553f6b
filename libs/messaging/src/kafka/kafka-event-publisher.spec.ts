import { CompressionTypes, type Kafka, type ProducerBatch } from 'kafkajs';
import { MessagingError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { KafkaEventPublisher, type PublisherCompression } from './kafka-event-publisher.js';

/** A kafkajs client whose producer records the batches it is asked to send. */
function recordingKafka(): { kafka: Kafka; batches: ProducerBatch[] } {
  const batches: ProducerBatch[] = [];
  const producer = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    sendBatch: (batch: ProducerBatch) => {
      batches.push(batch);
      return Promise.resolve([]);
    },
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, batches };
}

describe('KafkaEventPublisher compression', () => {
  it.each<[PublisherCompression | undefined, CompressionTypes]>([
    [undefined, CompressionTypes.None],
    ['none', CompressionTypes.None],
    ['snappy', CompressionTypes.Snappy],
  ])('compression %s sends batches with kafkajs compression %s', async (compression, expected) => {
    const { kafka, batches } = recordingKafka();
    const publisher = new KafkaEventPublisher(
      kafka,
      { producerName: 'test', ...(compression !== undefined ? { compression } : {}) },
      silentLogger,
    );
    await publisher.sendRaw('mlops.test.v1', [{ key: 'k', value: '{}', headers: {} }]);
    await publisher.close();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.compression).toBe(expected);
    expect(batches[0]!.topicMessages?.[0]?.topic).toBe('mlops.test.v1');
  });

  it('rejects an unknown compression, naming the ones it takes', () => {
    const { kafka } = recordingKafka();
    const make = (): KafkaEventPublisher =>
      new KafkaEventPublisher(
        kafka,
        { producerName: 'test', compression: 'lz4' as PublisherCompression },
        silentLogger,
      );
    expect(make).toThrow(MessagingError);
    expect(make).toThrow('compression must be one of none, snappy, got "lz4"');
  });
});
