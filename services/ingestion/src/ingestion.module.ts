import { Module } from '@nestjs/common';

/**
 * The ingestion service: stores dataset versions (CSV upload, REST batches, streamed records) in its schema, quarantines bad rows, materializes features into the Redis online store.
 *
 * Its features (controllers, consumers, services, repositories) are added here as they are built.
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its PostgreSQL schema `ingestion` and Redis.
 */
@Module({})
export class IngestionModule {}
