// bench:serving (see run.sh and README.md). In one run: trains the Telco pipeline (gradient boosting,
// 100 trees, depth 6, on the train split), exports it to ONNX and starts the BUILT serving service on
// it (child process, file model source, its own ports and consumer group; prediction-served events
// go to the real Kafka as in production), a bare Node http server answering a constant (the
// ceiling) and the seed's FastAPI + uvicorn + xgboost stack on the same data. Then 10 s of
// single-row predictions at 1 and at 50 connections against each, from a separate load-generator
// process. One JSON line per (target, connections), then a summary line with the ratios.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { GradientBoostingClassifier, Preprocessor, TELCO_FEATURES, describePipeline, exportPipelineToOnnx, fitFeatures, readCsvFile, stratifiedSplit } from '@mlops/ml';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const SECONDS = Number(args.seconds ?? 10);
const CONNECTIONS = (args.connections ?? '1,50').split(',').map(Number);
const TARGETS = (args.targets ?? 'bare,rest,grpc,fastapi').split(',');
const ROOT = resolve(process.cwd());
const RUN = `benchserving${Date.now().toString(36)}`;
const PORTS = { rest: 43906, grpc: 43951, bare: 43990, fastapi: 43991 };
const out = (o) => process.stdout.write(`${JSON.stringify({ bench: 'serving', ...o })}\n`);
const children = [];

function start(name, cmd, argv, env, ready) {
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  return ready().catch((e) => {
    throw new Error(`${name} did not start: ${e.message}\n${log.slice(-2000)}`);
  });
}

async function waitHttp(url, init, ms = 120_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url, init);
      if (r.status === 200) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${url}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function loadgen(spec) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench/serving/loadgen.mjs'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', (code) => (code === 0 ? resolveRun(JSON.parse(text.trim().split('\n').pop())) : reject(new Error(`loadgen exited ${code}`))));
  });
}

const work = mkdtempSync(join(tmpdir(), 'bench-serving-'));
try {
  // ---- the model
  const csv = join(ROOT, 'data/raw/customer_data.csv');
  const ds = (await readCsvFile(csv, { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
  const y = ds.labels('churn', 'Yes');
  const idx = stratifiedSplit(y, { testSize: 0.2, seed: 42 });
  const train = ds.take(idx.train);
  const features = fitFeatures(TELCO_FEATURES, train);
  const derived = features.apply(train);
  const steps = derived.schema.filter((c) => c.role === 'numeric' || c.role === 'categorical').map((c) => (c.role === 'numeric' ? { column: c.name, kind: 'numeric', impute: 'median', scale: true } : { column: c.name, kind: 'onehot' }));
  const pre = new Preprocessor({ steps }).fit(derived);
  const t0 = performance.now();
  const model = new GradientBoostingClassifier({ nEstimators: 100, maxDepth: 6, learningRate: 0.1, randomState: 42 }).fit(pre.transform(derived), Uint8Array.from(idx.train, (i) => y[i]));
  const trainSeconds = (performance.now() - t0) / 1000;
  const onnx = exportPipelineToOnnx({ features, preprocessor: pre, model });
  const inputSchema = describePipeline(pre, features).rawColumns.map((c) => ({ name: c.name, type: c.type === 'numeric' ? 'float' : 'string' }));
  writeFileSync(join(work, 'model.onnx'), onnx);
  writeFileSync(join(work, 'model.json'), JSON.stringify({ name: 'churn-predictor', version: 1, threshold: 0.5, inputSchema }));
  const test = ds.take(idx.test);
  const customer = test.record(0);
  delete customer.customer_id;
  delete customer.churn;
  out({ step: 'model', trees: 100, maxDepth: 6, trainSeconds: Number(trainSeconds.toFixed(2)), onnxBytes: onnx.length, columns: inputSchema.length });

  // ---- the servers
  const configDir = join(work, 'config');
  cpSync(join(ROOT, 'config'), configDir, { recursive: true });
  const envFile = join(configDir, 'development.yaml');
  const doc = parseYaml(readFileSync(envFile, 'utf8')) ?? {};
  doc.kafka = { ...(doc.kafka ?? {}), consumer_group_prefix: `mlops-${RUN}` };
  doc.logging = { level: 'warn' };
  doc.services = { ...(doc.services ?? {}), serving: { http_port: PORTS.rest, grpc_port: PORTS.grpc } };
  writeFileSync(envFile, stringifyYaml(doc));
  const body = { customer };
  if (TARGETS.includes('rest') || TARGETS.includes('grpc')) {
    await start('serving', process.execPath, [join(ROOT, 'services/serving/dist/main.js')], { MLOPS_CONFIG_DIR: configDir, SERVING_MODEL_PATH: join(work, 'model.onnx'), MLOPS_ENV: 'development' }, () =>
      waitHttp(`http://127.0.0.1:${PORTS.rest}/health/ready`),
    );
  }
  if (TARGETS.includes('bare')) await start('bare', process.execPath, [join(ROOT, 'bench/serving/bare-server.mjs'), String(PORTS.bare)], {}, () => waitHttp(`http://127.0.0.1:${PORTS.bare}/`, { method: 'POST', body: '{}' }));
  const python = join(ROOT, '.venv/bin/python');
  let fastapi = TARGETS.includes('fastapi');
  if (fastapi && !existsSync(python)) {
    out({ step: 'fastapi', skipped: 'no .venv (bash scripts/py-env.sh)' });
    fastapi = false;
  }
  if (fastapi) {
    await start('fastapi', python, [join(ROOT, 'bench/serving/fastapi_app.py'), '--port', String(PORTS.fastapi), '--csv', csv], {}, () =>
      waitHttp(`http://127.0.0.1:${PORTS.fastapi}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    );
  }
  const grpcRequest = {
    input: { features: { values: Object.fromEntries(Object.entries(customer).map(([k, v]) => [k, v === null ? { null_value: 'NULL_VALUE' } : typeof v === 'number' ? { number_value: v } : { string_value: v }])) } },
  };

  // ---- the runs
  const results = {};
  for (const connections of CONNECTIONS) {
    for (const target of TARGETS) {
      if (target === 'fastapi' && !fastapi) continue;
      const spec =
        target === 'grpc'
          ? { kind: 'grpc', target: `127.0.0.1:${PORTS.grpc}`, request: grpcRequest, connections, seconds: SECONDS }
          : { kind: 'http', url: `http://127.0.0.1:${PORTS[target]}/predict`, body, connections, seconds: SECONDS };
      const r = await loadgen(spec);
      results[`${target}@${connections}`] = r;
      out({ target, connections, ...r });
    }
  }
  for (const c of CONNECTIONS) {
    const g = (t) => results[`${t}@${c}`];
    out({
      summary: true,
      connections: c,
      restOverBare: g('rest') && g('bare') ? Number((g('rest').rps / g('bare').rps).toFixed(3)) : null,
      grpcOverBare: g('grpc') && g('bare') ? Number((g('grpc').rps / g('bare').rps).toFixed(3)) : null,
      restOverFastapi: g('rest') && g('fastapi') ? Number((g('rest').rps / g('fastapi').rps).toFixed(1)) : null,
      restP99Ms: g('rest')?.p99Ms ?? null,
      goals: { restOverBareAtLeast: 0.4, restOverFastapiAtLeast: 10, restP99MsAt50Under: 10 },
    });
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(work, { recursive: true, force: true });
}
