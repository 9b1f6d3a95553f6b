import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { topics, type EventOf } from '@mlops/contracts';
import { MessagingContext } from '@mlops/messaging';
import { PingResponder } from './ping-responder.service.js';

/** Thin consumer of the system ping: hands off to {@link PingResponder}. */
@Controller()
export class PingConsumer {
  constructor(@Inject(PingResponder) private readonly responder: PingResponder) {}

  @EventPattern<string>(topics.systemPing.name)
  async onPing(
    @Payload() ping: EventOf<typeof topics.systemPing>,
    @Ctx() ctx: MessagingContext,
  ): Promise<void> {
    await this.responder.answer(ping, ctx.getPartition());
  }
}
