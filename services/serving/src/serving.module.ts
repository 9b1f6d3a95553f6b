import { Module, type DynamicModule } from '@nestjs/common';
import { PredictionGrpcServer } from './grpc/prediction.grpc-server.js';
import { PredictRoute } from './http/predict.route.js';
import { ModelEventsConsumer } from './model/model-events.consumer.js';
import { ModelManager } from './model/model-manager.service.js';
import { ServingPredictions } from './predict/serving-predictions.service.js';
import { SERVING_OPTIONS, type ServingModuleOptions } from './serving.options.js';

/**
 * The serving service: serves predictions over REST and gRPC from the ONNX model of an alias, with
 * online features from Redis; swaps models on promotion events; canary and shadow routing;
 * prediction-served events in batches. Platform wiring comes from `bootstrapService`.
 */
@Module({})
export class ServingModule {
  static forRoot(options: ServingModuleOptions = {}): DynamicModule {
    return {
      module: ServingModule,
      controllers: [ModelEventsConsumer],
      providers: [{ provide: SERVING_OPTIONS, useValue: options }, ModelManager, ServingPredictions, PredictRoute, PredictionGrpcServer],
      exports: [ModelManager, ServingPredictions, PredictionGrpcServer],
    };
  }
}
