import { Controller, Get, Inject } from '@nestjs/common';
import { KafkaEventsServer } from '@mlops/messaging';
import { SERVICE_INFO, type ServiceInfo } from '../service-info.js';
import type { ConsumerIntrospection } from './ping-responder.service.js';

export interface SystemInfo {
  service: string;
  version: string;
  instanceId: string;
  uptimeSeconds: number;
  consumes: string[];
  produces: string[];
  subscribedTopics: string[];
}

/** `GET /system/info`: who this process is and what it is wired to (the manifest and the live subscriptions). */
@Controller('system')
export class SystemController {
  constructor(
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    @Inject(KafkaEventsServer) private readonly consumer: ConsumerIntrospection,
  ) {}

  @Get('info')
  describe(): SystemInfo {
    return {
      service: this.info.name,
      version: this.info.version,
      instanceId: this.info.instanceId,
      uptimeSeconds: Math.round((performance.now() - this.info.startedAt) / 10) / 100,
      consumes: this.info.manifest.consumes.map((t) => t.name),
      produces: this.info.manifest.produces.map((t) => t.name),
      subscribedTopics: this.consumer.subscribedTopics(),
    };
  }
}
