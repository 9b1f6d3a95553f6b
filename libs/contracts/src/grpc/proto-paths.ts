import { fileURLToPath } from 'node:url';

/**
 * Absolute path of `libs/contracts/proto`. This file compiles to `dist/grpc/proto-paths.js` and
 * runs from `src/grpc/proto-paths.ts` under Jest; the proto folder sits next to both `src/` and
 * `dist/`, two levels up from here.
 */
export const protoDir: string = fileURLToPath(new URL('../../proto/', import.meta.url));

/**
 * Absolute path of the prediction API's `.proto` (package `mlops.serving.v1`, service
 * `PredictionService`), for `@grpc/proto-loader`'s `loadSync(predictionProtoPath, ...)`.
 */
export const predictionProtoPath: string = fileURLToPath(
  new URL('../../proto/prediction.proto', import.meta.url),
);

/**
 * Absolute path of the standard gRPC health-checking `.proto` (`grpc.health.v1.Health`), which
 * the serving service implements so that grpc-health-probe and Kubernetes gRPC probes work.
 */
export const healthProtoPath: string = fileURLToPath(
  new URL('../../proto/grpc/health/v1/health.proto', import.meta.url),
);

/**
 * Options for `@grpc/proto-loader` that keep field names as in the `.proto` (snake_case), map
 * enums to their names, 64-bit integers to numbers, fill defaults, and expose the `oneof` case.
 */
export const protoLoaderOptions = Object.freeze({
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoDir],
});
