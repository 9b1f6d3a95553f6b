import { existsSync } from 'node:fs';
// Test only (the library itself does not import gRPC): load the .proto the way the serving service will.
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import { healthProtoPath, predictionProtoPath, protoLoaderOptions } from './proto-paths.js';

function method(
  definition: ReturnType<typeof loadSync>,
  service: string,
  name: string,
): MethodDefinition<object, object> {
  const svc = definition[service] as Record<string, MethodDefinition<object, object>> | undefined;
  if (!svc) throw new Error(`service ${service} is not in the package definition`);
  const m = svc[name];
  if (!m) throw new Error(`method ${service}.${name} is missing`);
  return m;
}

describe('prediction.proto', () => {
  const definition = loadSync(predictionProtoPath, { ...protoLoaderOptions });

  it('is found at libs/contracts/proto', () => {
    expect(predictionProtoPath).toMatch(/libs\/contracts\/proto\/prediction\.proto$/);
    expect(existsSync(predictionProtoPath)).toBe(true);
  });

  it('declares PredictionService with unary Predict and PredictBatch', () => {
    const predict = method(definition, 'mlops.serving.v1.PredictionService', 'Predict');
    expect(predict.path).toBe('/mlops.serving.v1.PredictionService/Predict');
    expect([predict.requestStream, predict.responseStream]).toEqual([false, false]);
    const batch = method(definition, 'mlops.serving.v1.PredictionService', 'PredictBatch');
    expect(batch.path).toBe('/mlops.serving.v1.PredictionService/PredictBatch');
    expect([batch.requestStream, batch.responseStream]).toEqual([false, false]);
  });

  it('carries raw features (string, number, missing) or a customer id through the wire format', () => {
    const predict = method(definition, 'mlops.serving.v1.PredictionService', 'Predict');
    const request = {
      input: {
        features: {
          values: {
            contract: { string_value: 'Month-to-month' },
            tenure: { number_value: 1 },
            total_charges: { null_value: 'NULL_VALUE' },
          },
        },
      },
      model: { alias: 'champion' },
      explain: true,
      top_k: 3,
    };
    const decoded = predict.requestDeserialize(predict.requestSerialize(request)) as Record<string, unknown>;
    expect(decoded).toMatchObject({
      ...request,
      input: { ...request.input, input: 'features' },
      model: { ...request.model, target: 'alias' },
    });

    const byCustomer = predict.requestDeserialize(
      predict.requestSerialize({
        input: { customer_id: '7590-VHVEG' },
        model: { stage: 'MODEL_STAGE_PRODUCTION' },
      }),
    );
    expect(byCustomer).toMatchObject({
      input: { customer_id: '7590-VHVEG', input: 'customer_id' },
      model: { stage: 'MODEL_STAGE_PRODUCTION', target: 'stage' },
      explain: false,
    });
  });

  it('answers probability, label, threshold, model, variant and contributions', () => {
    const batch = method(definition, 'mlops.serving.v1.PredictionService', 'PredictBatch');
    const response = {
      predictions: [
        {
          request_id: '028c66b2-46b4-4b94-9d25-dacb504b0197',
          probability: 0.7123,
          label: 1,
          threshold: 0.34,
          model_name: 'churn-predictor',
          model_version: 3,
          variant: 'VARIANT_CHAMPION',
          contributions: [
            { feature: 'contract', value: 0.81 },
            { feature: 'tenure', value: 0.44 },
          ],
          base_value: -1.2,
        },
      ],
    };
    expect(batch.responseDeserialize(batch.responseSerialize(response))).toEqual(response);
  });
});

describe('grpc health proto', () => {
  it('declares grpc.health.v1.Health with Check and a server-streaming Watch', () => {
    const definition = loadSync(healthProtoPath, { ...protoLoaderOptions });
    const check = method(definition, 'grpc.health.v1.Health', 'Check');
    expect(check.path).toBe('/grpc.health.v1.Health/Check');
    const watch = method(definition, 'grpc.health.v1.Health', 'Watch');
    expect([watch.requestStream, watch.responseStream]).toEqual([false, true]);
    expect(check.responseDeserialize(check.responseSerialize({ status: 'SERVING' }))).toEqual({
      status: 'SERVING',
    });
  });
});
