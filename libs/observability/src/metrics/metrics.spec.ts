import { HttpMetrics } from './http-metrics.js';
import { assertMetricName, metricNameProblems } from './metric-name.js';
import { createMetricsRegistry } from './metrics.registry.js';

describe('metric names', () => {
  it('accepts Prometheus-style names', () => {
    expect(metricNameProblems('counter', 'events_consumed_total')).toEqual([]);
    expect(metricNameProblems('histogram', 'prediction_latency_seconds')).toEqual([]);
    expect(metricNameProblems('histogram', 'prediction_batch_rows')).toEqual([]);
    expect(metricNameProblems('gauge', 'consumer_lag_messages')).toEqual([]);
    expect(metricNameProblems('gauge', 'model_loaded')).toEqual([]);
  });

  it('says what is wrong with a bad name', () => {
    expect(metricNameProblems('counter', 'eventsConsumed')).toEqual([
      'must be snake_case: lower-case letters, digits and single underscores, starting with a letter',
      'a counter name must end in _total',
    ]);
    expect(metricNameProblems('gauge', 'queue_total')).toEqual([
      'only counters end in _total (this is a gauge)',
    ]);
    expect(metricNameProblems('histogram', 'latency_ms')).toEqual([
      'use the base unit: _seconds instead of _ms',
      'a histogram name must end in a unit: _seconds, _bytes, _ratio, _rows, _items, _events, _messages, _records, _requests',
    ]);
    expect(metricNameProblems('gauge', 'model_size_mb')).toEqual([
      'use the base unit: _bytes instead of _mb',
    ]);
    expect(metricNameProblems('gauge', 'requests_count')).toEqual([
      'must not end in _count (Prometheus adds it to histogram series)',
    ]);
    expect(() => assertMetricName('counter', 'x_total', ['service', 'Route'])).toThrow(
      'Invalid counter "x_total": label "service" is reserved; label "Route" must be snake_case',
    );
  });
});

describe('MetricsRegistry', () => {
  it('sets the service label, exports build_info and default metrics', async () => {
    const metrics = createMetricsRegistry({ service: 'training', version: '1.2.3' });
    const text = await metrics.metrics();
    expect(text).toContain('build_info{version="1.2.3",service="training"} 1');
    expect(text).toMatch(/process_cpu_user_seconds_total\{service="training"\} \d/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds\{service="training"\}/);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('creates validated metrics once and returns them again', async () => {
    const metrics = createMetricsRegistry({ service: 'drift', defaultMetrics: false });
    const c = metrics.counter({ name: 'drift_checks_total', help: 'checks', labelNames: ['result'] });
    expect(metrics.counter({ name: 'drift_checks_total', help: 'checks', labelNames: ['result'] })).toBe(c);
    c.inc({ result: 'drift' }, 2);
    metrics.gauge({ name: 'drift_share_ratio', help: 'share' }).set(0.25);
    metrics.histogram({ name: 'drift_check_duration_seconds', help: 'd', buckets: [0.1, 1] }).observe(0.5);
    const text = await metrics.metrics();
    expect(text).toContain('drift_checks_total{result="drift",service="drift"} 2');
    expect(text).toContain('drift_share_ratio{service="drift"} 0.25');
    expect(text).toContain('drift_check_duration_seconds_bucket{le="1",service="drift"} 1');
    expect(text).toContain('drift_check_duration_seconds_bucket{le="0.1",service="drift"} 0');
    expect(text).not.toContain('process_cpu');
  });

  it('refuses a second registration with another type or labels, and invalid names', () => {
    const metrics = createMetricsRegistry({ service: 'drift', defaultMetrics: false });
    metrics.counter({ name: 'a_total', help: 'a', labelNames: ['x'] });
    expect(() => metrics.counter({ name: 'a_total', help: 'a', labelNames: ['y'] })).toThrow(
      'Metric "a_total" is already registered as a counter with labels [x]; asked for a counter with labels [y]',
    );
    expect(() => metrics.histogram({ name: 'latency', help: 'l' })).toThrow('Invalid histogram "latency"');
  });

  it('records HTTP metrics by route template, method and status', async () => {
    const metrics = createMetricsRegistry({ service: 'serving', defaultMetrics: false });
    const http = new HttpMetrics(metrics);
    http.observe('get', '/models/:name', 200, 0.003);
    http.observe('GET', '/models/:name', 200, 0.2);
    http.observe('GET', undefined, 404, 0.001);
    const text = await metrics.metrics();
    expect(text).toContain(
      'http_requests_total{method="GET",route="/models/:name",status="200",service="serving"} 2',
    );
    expect(text).toContain(
      'http_requests_total{method="GET",route="unmatched",status="404",service="serving"} 1',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",service="serving",method="GET",route="/models/:name",status="200"} 1',
    );
    expect(text).toContain(
      'http_request_duration_seconds_count{service="serving",method="GET",route="/models/:name",status="200"} 2',
    );
  });
});
