#!/usr/bin/env node
/**
 * Replays a dead-letter topic into its topic.
 *
 *   node libs/messaging/dist/cli/redrive.js --topic mlops.data.ingested.v1 [--max 100] [--dry-run]
 *
 * Brokers come from --brokers or KAFKA_BROKERS (comma-separated), default 127.0.0.1:9092.
 * Prints one JSON line per record and a final JSON summary; exit code 0 on success, 1 on error.
 */
import { Command, InvalidArgumentError } from 'commander';
import { createJsonLogger } from '../core/logger.js';
import { describeError } from '../core/errors.js';
import { createKafkaClient } from '../kafka/kafka-client.js';
import { redrive } from '../redrive/redrive.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('redrive')
    .description(
      'Replay <topic>.dlq into <topic> (original key and headers, x-dlq-* removed), up to the high watermark at start',
    )
    .requiredOption('--topic <name>', 'original topic (not the .dlq one), e.g. mlops.data.ingested.v1')
    .option('--max <n>', 'stop after n records', positiveInt)
    .option('--dry-run', 'list the records, write and commit nothing', false)
    .option('--group <id>', 'consumer group of the redrive (default mlops.redrive.<topic>)')
    .option('--brokers <list>', 'comma-separated brokers', process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092')
    .option('--timeout <ms>', 'give up after this many ms', positiveInt, 120_000)
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const opts = program.opts<{
    topic: string;
    max?: number;
    dryRun: boolean;
    group?: string;
    brokers: string;
    timeout: number;
  }>();
  const logger = createJsonLogger('redrive', process.env['LOG_LEVEL'] === 'debug' ? 'debug' : 'warn');
  const kafka = createKafkaClient(
    { clientId: 'mlops-redrive', brokers: opts.brokers.split(',').map((b) => b.trim()) },
    logger,
  );
  const result = await redrive(
    kafka,
    {
      topic: opts.topic,
      dryRun: opts.dryRun,
      timeoutMs: opts.timeout,
      ...(opts.max !== undefined ? { max: opts.max } : {}),
      ...(opts.group !== undefined ? { groupId: opts.group } : {}),
      onRecord: (record) =>
        process.stdout.write(`${JSON.stringify({ record: { ...record, dryRun: opts.dryRun } })}\n`),
    },
    logger,
  );
  process.stdout.write(`${JSON.stringify({ result })}\n`);
  return 0;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
      process.stderr.write(`redrive failed: ${describeError(error)}\n`);
      process.exit(1);
    },
  );
}
