import { Module } from '@nestjs/common';

/**
 * The serving service: serves predictions over REST and gRPC from the ONNX model of an alias or stage, with online features from Redis.
 *
 * Its features (controllers, consumers, services, repositories) are added here as they are built.
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its Redis.
 */
@Module({})
export class ServingModule {}
