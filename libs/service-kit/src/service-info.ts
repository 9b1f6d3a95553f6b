import { hostname } from 'node:os';
import type { ServiceName } from '@mlops/config';
import type { ServiceManifest } from './manifest/service-manifest.js';

/** Who this process is: injected as {@link SERVICE_INFO}. */
export interface ServiceInfo {
  readonly name: ServiceName;
  readonly version: string;
  /** One process of the service: `<host name>:<pid>` (the host name is the pod name on Kubernetes). */
  readonly instanceId: string;
  readonly manifest: ServiceManifest;
  /** `performance.now()` when the service started booting. */
  readonly startedAt: number;
}

/** Injection token of the {@link ServiceInfo}. */
export const SERVICE_INFO = Symbol('SERVICE_INFO');
/** Injection token of the frozen `PlatformConfig` loaded at boot. */
export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');
/** Injection token of the service's ioredis client (services that use Redis). */
export const REDIS = Symbol('REDIS');

export function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}`;
}
