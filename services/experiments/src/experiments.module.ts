import { Module } from '@nestjs/common';

/**
 * The experiments service: runs A/B and canary experiments between model versions and concludes them.
 *
 * Its features (controllers, consumers, services, repositories) are added here as they are built.
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its PostgreSQL schema `experiments`.
 */
@Module({})
export class ExperimentsModule {}
