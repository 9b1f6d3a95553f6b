#!/usr/bin/env node
// Consistency check of the deployment files, runnable without Docker:
//   node deploy/check-deploy.mjs
// Parses docker-compose.yml (with its YAML merge keys), the Prometheus configs, the Grafana
// provisioning and dashboards, and checks that they agree with config/config.yaml (service
// ports), deploy/kafka/server.properties (broker settings) and deploy/local/stack.sh (defaults).
// Prints one line per check and a closing "deploy-check: N passed, N failed"; exits 1 on a failure.
//
//   node deploy/check-deploy.mjs --prometheus http://127.0.0.1:9090 [--require-series]
// also runs every dashboard panel's PromQL against that (real) Prometheus: each must be accepted;
// with --require-series each must also return at least one series (after an end-to-end run).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';

const { values: args } = parseArgs({
  options: { prometheus: { type: 'string' }, 'require-series': { type: 'boolean', default: false } },
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (p) => readFileSync(join(root, p), 'utf8');
const yamlFile = (p, options = {}) => {
  const docs = parseAllDocuments(read(p), { merge: true, ...options });
  const errors = docs.flatMap((d) => d.errors);
  if (errors.length > 0) throw new Error(`${p}: ${errors.map((e) => e.message).join('; ')}`);
  if (docs.length !== 1) throw new Error(`${p}: expected one YAML document, found ${docs.length}`);
  return docs[0].toJS({ maxAliasCount: 1000 });
};

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    console.log(`ok    ${name}${detail ? ` (${detail})` : ''}`);
  } catch (err) {
    failed++;
    console.log(`FAIL  ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
function expectEqual(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const SERVICES = ['ingestion', 'validation', 'drift', 'training', 'registry', 'serving', 'experiments'];
const platform = parse(read('config/config.yaml'));
const portOf = (svc) => {
  const port = platform?.services?.[svc]?.http_port;
  if (!Number.isInteger(port)) throw new Error(`config/config.yaml has no services.${svc}.http_port`);
  return port;
};
const compose = yamlFile('docker-compose.yml');
const properties = Object.fromEntries(
  read('deploy/kafka/server.properties')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const stackSh = read('deploy/local/stack.sh');
const stackDefault = (name) => {
  const m = stackSh.match(new RegExp(`^${name}="\\$\\{${name}:-([^}]*)\\}"`, 'm'));
  if (!m) throw new Error(`deploy/local/stack.sh does not define ${name} with a default`);
  return m[1];
};

await check('docker-compose.yml parses and defines every component', () => {
  const names = Object.keys(compose.services ?? {});
  const wanted = ['kafka', 'postgres', 'redis', 'prometheus', 'grafana', ...SERVICES];
  const missing = wanted.filter((n) => !names.includes(n));
  if (missing.length) throw new Error(`missing services: ${missing.join(', ')}`);
  return `${names.length} services`;
});

await check('compose: every published port is bound to 127.0.0.1', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    for (const p of svc.ports ?? []) {
      if (!String(p).startsWith('127.0.0.1:')) throw new Error(`${name} publishes ${p} on every interface`);
    }
  }
});

await check('compose: the seven services share one Dockerfile, SERVICE set, ports match config.yaml', () => {
  for (const svc of SERVICES) {
    const s = compose.services[svc];
    const port = portOf(svc);
    expectEqual(s.build?.dockerfile ?? 'Dockerfile', 'Dockerfile', `${svc} build.dockerfile`);
    expectEqual(s.build?.args?.SERVICE, svc, `${svc} build arg SERVICE`);
    expectEqual(s.environment?.SERVICE, svc, `${svc} environment SERVICE`);
    expectEqual(
      Number(s.environment?.[`${svc.toUpperCase()}_HTTP_PORT`]),
      port,
      `${svc} ${svc.toUpperCase()}_HTTP_PORT`,
    );
    if (!(s.ports ?? []).includes(`127.0.0.1:${port}:${port}`))
      throw new Error(`${svc} does not publish ${port}`);
    const probe = (s.healthcheck?.test ?? []).join(' ');
    if (
      !probe.includes("process.env[process.env.SERVICE.toUpperCase() + '_HTTP_PORT']") ||
      !probe.includes('/health/ready')
    ) {
      throw new Error(`${svc} healthcheck does not probe /health/ready on <SERVICE>_HTTP_PORT`);
    }
    for (const dep of ['kafka', 'postgres', 'redis']) {
      expectEqual(s.depends_on?.[dep]?.condition, 'service_healthy', `${svc} depends_on ${dep}`);
    }
  }
});

await check('compose: service endpoints are the compose hostnames of the local env', () => {
  for (const svc of SERVICES) {
    const env = compose.services[svc].environment;
    expectEqual(env.KAFKA_BROKERS, 'kafka:9092', `${svc} KAFKA_BROKERS`);
    expectEqual(env.DATABASE_URL, 'postgres://mlops:mlops@postgres:5432/mlops', `${svc} DATABASE_URL`);
    expectEqual(env.REDIS_URL, 'redis://redis:6379', `${svc} REDIS_URL`);
  }
});

await check('compose: host ports equal the local scripts defaults', () => {
  const host = (svc) => (compose.services[svc].ports ?? []).map((p) => Number(String(p).split(':')[1]));
  expectEqual(host('kafka'), [Number(stackDefault('KAFKA_PORT'))], 'kafka host port');
  expectEqual(host('postgres'), [Number(stackDefault('POSTGRES_PORT'))], 'postgres host port');
  expectEqual(host('redis'), [Number(stackDefault('REDIS_PORT'))], 'redis host port');
  expectEqual(host('prometheus'), [Number(stackDefault('PROMETHEUS_PORT'))], 'prometheus host port');
  const pg = compose.services.postgres.environment;
  expectEqual(
    [pg.POSTGRES_USER, pg.POSTGRES_PASSWORD, pg.POSTGRES_DB],
    [stackDefault('POSTGRES_USER'), stackDefault('POSTGRES_PASSWORD'), stackDefault('POSTGRES_DB')],
    'postgres credentials',
  );
});

await check('compose: Kafka settings match deploy/kafka/server.properties', () => {
  const env = compose.services.kafka.environment;
  const image = compose.services.kafka.image;
  const pomVersion = read('deploy/kafka/pom.xml').match(/<kafka\.version>([^<]+)</)?.[1];
  expectEqual(image, `apache/kafka:${pomVersion}`, 'kafka image vs pom.xml kafka.version');
  const keys = [
    'process.roles',
    'node.id',
    'controller.listener.names',
    'auto.create.topics.enable',
    'num.partitions',
    'default.replication.factor',
    'min.insync.replicas',
    'offsets.topic.replication.factor',
    'transaction.state.log.replication.factor',
    'transaction.state.log.min.isr',
    'offsets.topic.num.partitions',
    'transaction.state.log.num.partitions',
    'group.initial.rebalance.delay.ms',
    'log.cleaner.dedupe.buffer.size',
    'log.retention.hours',
    'offsets.retention.minutes',
  ];
  for (const key of keys) {
    const envName = `KAFKA_${key.toUpperCase().replaceAll('.', '_')}`;
    expectEqual(String(env[envName]), properties[key], `${envName} vs ${key}`);
  }
  return `${keys.length} settings`;
});

for (const [file, host] of [
  ['deploy/prometheus/prometheus.yml', () => '127.0.0.1'],
  ['deploy/prometheus/prometheus.docker.yml', (svc) => svc],
]) {
  await check(`${file}: scrapes the seven services on /metrics at their config.yaml ports`, () => {
    const cfg = yamlFile(file);
    const job = cfg.scrape_configs.find((j) => j.job_name === 'mlops-services');
    if (!job) throw new Error('no scrape job mlops-services (the dashboard queries job="mlops-services")');
    expectEqual(job.metrics_path, '/metrics', 'metrics_path');
    const targets = job.static_configs.map((c) => [c.labels?.service, c.targets]);
    expectEqual(
      targets,
      SERVICES.map((s) => [s, [`${host(s)}:${portOf(s)}`]]),
      'targets',
    );
  });
}

await check('compose mounts prometheus.docker.yml and the Grafana folders that exist', () => {
  const mounts = [...compose.services.prometheus.volumes, ...compose.services.grafana.volumes]
    .map((v) => String(v).split(':')[0])
    .filter((src) => src.startsWith('./'));
  for (const src of mounts) readdirSync(join(root, dirname(src))); // throws when missing
  expectEqual(
    mounts,
    [
      './deploy/prometheus/prometheus.docker.yml',
      './deploy/grafana/provisioning',
      './deploy/grafana/dashboards',
    ],
    'bind mounts',
  );
});

await check('grafana: datasource uid is the one the dashboards use; every panel has a PromQL target', () => {
  const ds = yamlFile('deploy/grafana/provisioning/datasources/prometheus.yml').datasources;
  const uids = new Set(ds.map((d) => d.uid));
  yamlFile('deploy/grafana/provisioning/dashboards/mlops.yml');
  let panels = 0;
  for (const f of readdirSync(join(root, 'deploy/grafana/dashboards')).filter((n) => n.endsWith('.json'))) {
    const dash = JSON.parse(read(`deploy/grafana/dashboards/${f}`));
    for (const p of dash.panels) {
      panels++;
      if (!uids.has(p.datasource?.uid))
        throw new Error(`${f} panel "${p.title}" uses datasource ${p.datasource?.uid}`);
      if (!p.targets?.length || p.targets.some((t) => !t.expr))
        throw new Error(`${f} panel "${p.title}" has no PromQL`);
    }
  }
  return `${panels} panels`;
});

/**
 * Metric names the code registers: `name: '...'`, or a constant `const NAME = '...'` it passes, in
 * libs/*\/src and services/*\/src (tests left out).
 */
function definedMetricNames() {
  const names = new Set();
  const walk = (dir) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts'))
        for (const m of read(p).matchAll(
          /(?:\bname:\s*|\bconst [A-Z][A-Z0-9_]* = )'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g,
        ))
          names.add(m[1]);
    }
  };
  for (const top of ['libs', 'services'])
    for (const e of readdirSync(join(root, top), { withFileTypes: true }))
      if (e.isDirectory() && readdirSync(join(root, top, e.name)).includes('src'))
        walk(`${top}/${e.name}/src`);
  return names;
}

await check('grafana: every metric a dashboard panel queries is one the services export', () => {
  const defined = definedMetricNames();
  // Prometheus's own `up`, and prom-client's default process and Node.js metrics.
  const known = (m) =>
    m === 'up' ||
    /^(process|nodejs)_/.test(m) ||
    defined.has(m) ||
    defined.has(m.replace(/_(bucket|sum|count)$/, ''));
  let metrics = 0;
  for (const f of readdirSync(join(root, 'deploy/grafana/dashboards')).filter((n) => n.endsWith('.json'))) {
    for (const p of JSON.parse(read(`deploy/grafana/dashboards/${f}`)).panels) {
      for (const t of p.targets) {
        // A metric is the name in front of a selector `{...}` or a range `[...]`.
        for (const m of t.expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)) {
          metrics++;
          if (!known(m[1]))
            throw new Error(`${f} panel "${p.title}" queries ${m[1]}, which no service registers`);
        }
      }
    }
  }
  return `${metrics} metric references, checked against ${defined.size} names declared in the code`;
});

if (args.prometheus) {
  const base = args.prometheus.replace(/\/$/, '');
  for (const f of readdirSync(join(root, 'deploy/grafana/dashboards')).filter((n) => n.endsWith('.json'))) {
    const dash = JSON.parse(read(`deploy/grafana/dashboards/${f}`));
    for (const panel of dash.panels) {
      for (const target of panel.targets) {
        await check(`${f} "${panel.title}" runs on ${base}`, async () => {
          // Grafana's variables, as Grafana would expand them with "All" selected.
          const query = target.expr.replaceAll('$__rate_interval', '1m').replaceAll('$service', '.*');
          const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
          const body = await res.json();
          if (body.status !== 'success') throw new Error(`${body.errorType}: ${body.error} in ${query}`);
          const n = body.data.result.length;
          if (args['require-series'] && n === 0) throw new Error(`no series for ${query}`);
          return `${n} series`;
        });
      }
    }
  }
}

console.log(`deploy-check: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
