// bench:serving (see run.sh and README.md). In one run: trains the Telco pipeline (gradient boosting,
// 100 trees, depth 6, on the train split), exports it to ONNX and starts the BUILT serving service on
// it (child process, file model source, its own ports and consumer group; prediction-served events
// go to the real Kafka as in production), a bare Node http server answering a constant (the
// ceiling), a bare Node http server answering from one onnxruntime run per event-loop turn of the
// same model (`bare-ort`: what any Node server on onnxruntime-node pays at least) and the seed's
// FastAPI + uvicorn + xgboost stack on the same data. Then 10 s of
// single-row predictions at 1 and at 50 connections against each, from a separate load-generator
// process. One JSON line per (target, connections), then a summary line with the ratios. Each line
// carries the 1-minute load average when the run started and, on Linux, the server process's CPU
// time per request (all its threads, from /proc): on a shared machine that figure moves far less
// with other people's load than requests per second do.
// `--baseline <dir>`: also serve from the built tree of an earlier version (its
// services/serving/dist/main.js, e.g. a `git worktree` after `npx tsc -b tsconfig.build.json`) as
// target `baseline`, right after `rest`, for a before/after in the same run; the baseline serves
// the model as that version's own exporter writes it (its bench/serving/telco-model.mjs).
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { trainTelcoPipeline } from './telco-model.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const SECONDS = Number(args.seconds ?? 10);
const CONNECTIONS = (args.connections ?? '1,50').split(',').map(Number);
const BASELINE = args.baseline ? resolve(args.baseline) : undefined;
const TARGETS = (args.targets ?? 'bare,bare-ort,rest,grpc,fastapi').split(',').flatMap((t) => (t === 'rest' && BASELINE ? ['rest', 'baseline'] : [t]));
const ROOT = resolve(process.cwd());
const RUN = `benchserving${Date.now().toString(36)}`;
// Below the ephemeral range (32768-60999 here): a readiness probe's connect can never pick the port as its own source port.
const PORTS = { rest: 31906, grpc: 31951, bare: 31990, 'bare-ort': 31992, fastapi: 31991, baseline: 31806, baselineGrpc: 31851 };
const WARMUP = 1;
const pids = {};

/** CPU seconds (user + system, every thread) of a process so far; undefined off Linux. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}
const out = (o) => process.stdout.write(`${JSON.stringify({ bench: 'serving', ...o })}\n`);
const children = [];

function start(name, cmd, argv, env, ready) {
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  pids[name] = child.pid;
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
  const { onnx, inputSchema, testRows, trainSeconds } = await trainTelcoPipeline(csv);
  writeFileSync(join(work, 'model.onnx'), onnx);
  writeFileSync(join(work, 'model.json'), JSON.stringify({ name: 'churn-predictor', version: 1, threshold: 0.5, inputSchema }));
  if (BASELINE) {
    // The baseline serves the same model as ITS exporter wrote it (same trees: same data, seed, learner).
    const { trainTelcoPipeline: baselineTrain } = await import(pathToFileURL(join(BASELINE, 'bench/serving/telco-model.mjs')).href);
    mkdirSync(join(work, 'baseline'));
    writeFileSync(join(work, 'baseline/model.onnx'), (await baselineTrain(csv)).onnx);
    cpSync(join(work, 'model.json'), join(work, 'baseline/model.json'));
  }
  const customer = testRows[0];
  out({ step: 'model', trees: 100, maxDepth: 6, trainSeconds: Number(trainSeconds.toFixed(2)), onnxBytes: onnx.length, columns: inputSchema.length });

  // ---- the servers
  // Each tree with its own config files (an older version's schema may not know newer keys).
  const configFor = (name, root, httpPort, grpcPort) => {
    const configDir = join(work, `config-${name}`);
    cpSync(join(root, 'config'), configDir, { recursive: true });
    const envFile = join(configDir, 'development.yaml');
    const doc = parseYaml(readFileSync(envFile, 'utf8')) ?? {};
    doc.kafka = { ...(doc.kafka ?? {}), consumer_group_prefix: `mlops-${RUN}-${name}` };
    doc.logging = { level: 'warn' };
    doc.services = { ...(doc.services ?? {}), serving: { http_port: httpPort, grpc_port: grpcPort } };
    writeFileSync(envFile, stringifyYaml(doc));
    return configDir;
  };
  const body = { customer };
  const serving = (name, root, httpPort, grpcPort) =>
    start(name, process.execPath, [join(root, 'services/serving/dist/main.js')], { MLOPS_CONFIG_DIR: configFor(name, root, httpPort, grpcPort), SERVING_MODEL_PATH: join(work, name === 'baseline' ? 'baseline/model.onnx' : 'model.onnx'), MLOPS_ENV: 'development' }, () =>
      waitHttp(`http://127.0.0.1:${httpPort}/health/ready`),
    );
  if (TARGETS.includes('rest') || TARGETS.includes('grpc')) await serving('serving', ROOT, PORTS.rest, PORTS.grpc);
  if (BASELINE) await serving('baseline', BASELINE, PORTS.baseline, PORTS.baselineGrpc);
  if (TARGETS.includes('bare')) await start('bare', process.execPath, [join(ROOT, 'bench/serving/bare-server.mjs'), String(PORTS.bare)], {}, () => waitHttp(`http://127.0.0.1:${PORTS.bare}/`, { method: 'POST', body: '{}' }));
  if (TARGETS.includes('bare-ort'))
    await start('bare-ort', process.execPath, [join(ROOT, 'bench/serving/bare-ort-server.mjs'), String(PORTS['bare-ort']), join(work, 'model.onnx')], {}, () =>
      waitHttp(`http://127.0.0.1:${PORTS['bare-ort']}/`, { method: 'POST', body: JSON.stringify(body) }),
    );
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
      const pid = pids[target === 'rest' || target === 'grpc' ? 'serving' : target];
      const load1 = Number(loadavg()[0].toFixed(2));
      const cpu0 = cpuSeconds(pid);
      const r = await loadgen({ ...spec, warmupSeconds: WARMUP });
      const cpu1 = cpuSeconds(pid);
      // CPU over warm-up + window, requests over the window only: scale the CPU to the window.
      const serverCpuUsPerRequest = cpu0 !== undefined && cpu1 !== undefined && r.requests > 0 ? Math.round((((cpu1 - cpu0) * SECONDS) / (SECONDS + WARMUP) / r.requests) * 1e6) : null;
      results[`${target}@${connections}`] = r;
      out({ target, connections, ...r, serverCpuUsPerRequest, load1 });
    }
  }
  for (const c of CONNECTIONS) {
    const g = (t) => results[`${t}@${c}`];
    out({
      summary: true,
      connections: c,
      restOverBare: g('rest') && g('bare') ? Number((g('rest').rps / g('bare').rps).toFixed(3)) : null,
      bareOrtOverBare: g('bare-ort') && g('bare') ? Number((g('bare-ort').rps / g('bare').rps).toFixed(3)) : null,
      restOverBareOrt: g('rest') && g('bare-ort') ? Number((g('rest').rps / g('bare-ort').rps).toFixed(3)) : null,
      bareOrtP99Ms: g('bare-ort')?.p99Ms ?? null,
      ...(BASELINE ? { baselineOverBare: g('baseline') && g('bare') ? Number((g('baseline').rps / g('bare').rps).toFixed(3)) : null, baselineP99Ms: g('baseline')?.p99Ms ?? null } : {}),
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
