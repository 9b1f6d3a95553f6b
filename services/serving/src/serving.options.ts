import type { ModelExplainer } from './model/explainer.js';
import type { ModelSource } from './model/model-source.js';
import type { CustomerFeatureReader } from './predict/customer-features.reader.js';

export const SERVING_OPTIONS = Symbol('SERVING_OPTIONS');

/** What tests and embedders can set; everything else comes from the platform config. */
export interface ServingModuleOptions {
  /** Default: files from `SERVING_MODEL_PATH` (and friends) when set, else the registry at `registry.url`. */
  readonly source?: ModelSource;
  /** Explainers by `name@version`, over the one the model source loads from the version's explainer artifact. */
  readonly explainers?: ReadonlyMap<string, ModelExplainer>;
  /** Default: the Redis feature store of `features.online_store`. */
  readonly featureReader?: CustomerFeatureReader;
  /** Release replaced sessions after this long (default 30 s). */
  readonly releaseDelayMs?: number;
  /** gRPC port; default `services.serving.grpc_port` (0: any free port). */
  readonly grpcPort?: number;
}
