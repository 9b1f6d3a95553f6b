import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Counter, Histogram } from 'prom-client';
import type { MetricsRegistry } from './metrics.registry.js';

type HttpLabel = 'method' | 'route' | 'status';

/** Buckets of `http_request_duration_seconds`: 1 ms to 10 s. */
export const HTTP_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Route label of requests no route matched (keeps the label set bounded). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The standard HTTP server metrics: `http_requests_total` and `http_request_duration_seconds`,
 * both labelled by route template (`/models/:name`, never the raw URL), method and status code.
 */
export class HttpMetrics {
  readonly requests: Counter<HttpLabel>;
  readonly duration: Histogram<HttpLabel>;

  constructor(metrics: MetricsRegistry) {
    const labelNames: HttpLabel[] = ['method', 'route', 'status'];
    this.requests = metrics.counter({
      name: 'http_requests_total',
      help: 'HTTP requests served',
      labelNames,
    });
    this.duration = metrics.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration, from the first byte received to the response sent',
      labelNames,
      buckets: HTTP_DURATION_BUCKETS,
    });
  }

  /** Records one finished request. */
  observe(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = { method: method.toUpperCase(), route: route ?? UNMATCHED_ROUTE, status: String(status) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }
}

/**
 * Records every response of a Fastify instance in `httpMetrics` (an `onResponse` hook; it sees
 * 404s and errors too, which a NestJS interceptor would miss). Call before the instance is ready.
 */
export function instrumentFastify(app: FastifyInstance, httpMetrics: HttpMetrics): void {
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    httpMetrics.observe(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
