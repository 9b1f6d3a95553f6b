import { BaseRpcContext } from '@nestjs/microservices';
import type { HandlerContext } from '../core/event-bus.js';
import type { StringHeaders } from '../core/headers.js';

/**
 * The `@Ctx()` of an `@EventPattern` handler served by {@link KafkaEventsServer}: gives the
 * idempotency transaction (write the side effect through it) and where the message came from.
 */
export class MessagingContext<Tx = unknown> extends BaseRpcContext<[HandlerContext<Tx>]> {
  /** The original error thrown by the handler, captured before Nest's exception filter rewrites it. */
  capturedError: unknown;
  hasCapturedError = false;

  constructor(handlerContext: HandlerContext<Tx>) {
    super([handlerContext]);
  }

  /** The idempotency store's transaction (a TypeORM EntityManager with the PostgreSQL store). */
  getTransaction(): Tx {
    return this.args[0].tx;
  }
  getTopic(): string {
    return this.args[0].topic;
  }
  getPartition(): number {
    return this.args[0].partition;
  }
  getOffset(): string {
    return this.args[0].offset;
  }
  getKey(): string | null {
    return this.args[0].key;
  }
  getHeaders(): StringHeaders {
    return this.args[0].headers;
  }
  getAttempt(): number {
    return this.args[0].attempt;
  }
  getConsumerGroup(): string {
    return this.args[0].consumerGroup;
  }

  captureError(error: unknown): void {
    this.capturedError = error;
    this.hasCapturedError = true;
  }
}
