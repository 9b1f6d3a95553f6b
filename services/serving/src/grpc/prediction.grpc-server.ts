import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { PlatformConfig } from '@mlops/config';
import { predictionProtoPath, protoLoaderOptions } from '@mlops/contracts';
import { JsonLogger } from '@mlops/observability';
import { PLATFORM_CONFIG } from '@mlops/service-kit';
import { SERVING_OPTIONS, type ServingModuleOptions } from '../serving.options.js';
import { DEFAULT_TOP_K, type PredictInput, type PredictionRequest } from '../predict/prediction-request.js';
import type { Prediction } from '../predict/prediction.service.js';
import { ServingError } from '../predict/serving.error.js';
import { ServingPredictions, type ServingRoute } from '../predict/serving-predictions.service.js';

/** proto-loader's view of the messages (keepCase, enums as names, oneof case fields). */
interface FeatureValueMsg {
  readonly kind?: 'string_value' | 'number_value' | 'null_value';
  readonly string_value?: string;
  readonly number_value?: number;
}
interface PredictInputMsg {
  readonly input?: 'customer_id' | 'features';
  readonly customer_id?: string;
  readonly features?: { readonly values?: Record<string, FeatureValueMsg> };
}
interface SelectorMsg {
  readonly target?: 'alias' | 'stage';
  readonly alias?: string;
  readonly stage?: string;
}
interface PredictRequestMsg {
  readonly input?: PredictInputMsg | null;
  readonly inputs?: readonly PredictInputMsg[];
  readonly model?: SelectorMsg | null;
  readonly explain?: boolean;
  readonly top_k?: number;
  readonly request_id?: string;
}

const VARIANT = { champion: 'VARIANT_CHAMPION', challenger: 'VARIANT_CHALLENGER' } as const;

/** The gRPC message of one prediction. */
export function toPredictResponse(p: Prediction): Record<string, unknown> {
  return {
    request_id: p.requestId,
    probability: p.probability,
    label: p.label,
    threshold: p.threshold,
    model_name: p.modelName,
    model_version: p.modelVersion,
    variant: VARIANT[p.variant],
    contributions: p.contributions ?? [],
    base_value: p.baseValue ?? 0,
  };
}

function toInput(m: PredictInputMsg | null | undefined, field: string): PredictInput {
  if (!m || m.input === undefined) throw ServingError.invalid(field, 'set customer_id or features');
  if (m.input === 'customer_id') {
    const id = m.customer_id ?? '';
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id)) throw ServingError.invalid(`${field}.customer_id`, `expected a customer id, got ${JSON.stringify(id)}`);
    return { kind: 'customer', customerId: id, field };
  }
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m.features?.values ?? {})) {
    if (v.kind === 'string_value') values[k] = v.string_value ?? '';
    else if (v.kind === 'number_value') {
      const x = v.number_value ?? 0;
      // Protobuf doubles can carry NaN and Infinity; the contract is the same as JSON's.
      if (!Number.isFinite(x)) throw ServingError.invalid(`${field}.features.${k}`, `expected a finite number, got ${x}; use null_value for a missing value`);
      values[k] = x;
    } else values[k] = null;
  }
  return { kind: 'raw', values, field: `${field}.features` };
}

/** Reads a PredictRequest / PredictBatchRequest into the transport-free request. */
export function fromGrpcRequest(m: PredictRequestMsg, batch: boolean, maxBatch: number): PredictionRequest {
  let inputs: PredictInput[];
  if (batch) {
    const list = m.inputs ?? [];
    if (list.length === 0) throw ServingError.invalid('inputs', 'expected at least one input');
    if (list.length > maxBatch) throw ServingError.invalid('inputs', `${list.length} inputs, at most ${maxBatch} per request (serving.max_batch_size)`);
    inputs = list.map((x, i) => toInput(x, `inputs[${i}]`));
  } else inputs = [toInput(m.input, 'input')];
  const requestId = m.request_id ? m.request_id : undefined;
  if (requestId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(requestId))
    throw ServingError.invalid('request_id', `expected a UUID, got ${JSON.stringify(requestId)}`);
  const model = m.model;
  if (model && model.target === 'stage') throw ServingError.invalid('model.stage', 'stage selection is not served here; select by alias or leave model unset');
  return {
    inputs,
    batch,
    explainK: m.explain ? m.top_k || DEFAULT_TOP_K : 0,
    requestId,
    alias: model && model.target === 'alias' ? model.alias : undefined,
  };
}

/**
 * The gRPC `mlops.serving.v1.PredictionService` (libs/contracts/proto/prediction.proto) on
 * `services.serving.grpc_port`, answering through the same {@link ServingPredictions} as REST.
 * Errors: INVALID_ARGUMENT (message naming the field), NOT_FOUND, UNAVAILABLE, FAILED_PRECONDITION.
 */
@Injectable()
export class PredictionGrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: grpc.Server | undefined;
  /** The bound port (after boot). */
  port = 0;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(SERVING_OPTIONS) private readonly options: ServingModuleOptions,
    @Inject(ServingPredictions) private readonly serving: ServingPredictions,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const definition = loadSync(predictionProtoPath, { ...protoLoaderOptions });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as { mlops: { serving: { v1: { PredictionService: grpc.ServiceClientConstructor } } } };
    const server = new grpc.Server();
    const handle =
      (route: ServingRoute, batch: boolean) =>
      (call: grpc.ServerUnaryCall<PredictRequestMsg, unknown>, callback: grpc.sendUnaryData<unknown>): void => {
        let request: PredictionRequest;
        try {
          request = fromGrpcRequest(call.request, batch, this.serving.maxBatch);
        } catch (error) {
          this.serving.rejected(route, error instanceof ServingError ? error.code : 'error');
          callback(toGrpcError(error));
          return;
        }
        this.serving.predict(route, request).then(
          (out) => callback(null, batch ? { predictions: out.map(toPredictResponse) } : toPredictResponse(out[0]!)),
          (error: unknown) => callback(toGrpcError(error)),
        );
      };
    server.addService(pkg.mlops.serving.v1.PredictionService.service, {
      Predict: handle('grpc_predict', false),
      PredictBatch: handle('grpc_predict_batch', true),
    });
    const host = process.env['GRPC_HOST'] ?? process.env['HTTP_HOST'] ?? '127.0.0.1';
    const wanted = this.options.grpcPort ?? this.config.services.serving.grpc_port;
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${wanted}`, grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))),
    );
    this.server = server;
    this.logger.info('gRPC listening', { host, port: this.port });
  }

  async onApplicationShutdown(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 5000);
      s.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

function toGrpcError(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof ServingError) return { code: error.grpcStatus, details: error.message };
  return { code: grpc.status.INTERNAL, details: 'internal error while predicting' };
}
