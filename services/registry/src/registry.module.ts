import { Module } from '@nestjs/common';

/**
 * The registry service: keeps runs, metrics, artifacts and model versions; promotes and rolls back stages and aliases.
 *
 * Its features (controllers, consumers, services, repositories) are added here as they are built.
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its PostgreSQL schema `registry`.
 */
@Module({})
export class RegistryModule {}
