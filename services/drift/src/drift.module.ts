import { Module } from '@nestjs/common';

/**
 * The drift service: checks new data and live prediction windows against the reference for drift.
 *
 * Its features (controllers, consumers, services, repositories) are added here as they are built.
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its PostgreSQL schema `drift`.
 */
@Module({})
export class DriftModule {}
