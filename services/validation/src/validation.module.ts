import { Module } from '@nestjs/common';

/**
 * The validation service: runs the expectation suite on each ingested dataset version and keeps the results.
 *
 * Its features (controllers, consumers, services, repositories) are added here as they are built.
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its PostgreSQL schema `validation`.
 */
@Module({})
export class ValidationModule {}
