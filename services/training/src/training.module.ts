import { Module } from '@nestjs/common';

/**
 * The training service: trains and tunes the candidate models, gates them on the thresholds and registers the winner.
 *
 * Its features (controllers, consumers, services, repositories) are added here as they are built.
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its PostgreSQL schema `training`.
 */
@Module({})
export class TrainingModule {}
