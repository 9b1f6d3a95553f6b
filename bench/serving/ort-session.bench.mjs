// One onnxruntime-node run of the served pipeline (bench/serving/telco-model.mjs: 19 raw columns,
// 100 trees of depth 6) on 1, 8 and 64 test rows, per session setting and input layout:
//   ort-defaults      onnxruntime's own defaults, one tensor per raw column
//   intra1            one intra-op thread (the previous createOnnxSession default), per column
//   serving           ONNX_SERVING_SESSION_OPTIONS (1 intra + 1 inter thread, sequential, all graph
//                     optimizations, no spinning), per column
//   serving+packed    the same options, inputs packed into one tensor per element type
//                     (packOnnxInputs), run through onnxruntime-node's public async `run`
//   serving+packed+sync  what serving runs: createPipelineSession's `probaSync` (the same native
//                     session, run now instead of after a setImmediate; inputs built inside the run)
// Runs back to back on one thread (the best case: caches warm), in rounds that alternate the
// settings (so a burst of other load on a shared machine hits them alike); JSON lines with the
// median over the rounds of wall and CPU us per run, and the cost of building the input tensors. Then the thread-pool spinning check: two
// intra-op threads with 1 ms between runs, CPU / wall with spinning on (default) and off.
// With `--baseline <dir>` (a built tree of an earlier version, as for serving.bench.mjs), also
// `baseline+packed`: the same serving session on the model as that version's exporter writes it
// (same trees), for the graph's before/after. Then the idle check: 1-row runs with 1 ms of sleep
// before each (as a server between requests at one connection), median wall per run, per graph.
//   node bench/serving/ort-session.bench.mjs [--runs 500] [--rounds 7] [--baseline <dir>]
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ONNX_SERVING_SESSION_OPTIONS, createOnnxSession, createPipelineSession, onnxFeeds } from '@mlops/ml/onnx-runtime';
import { trainTelcoPipeline } from './telco-model.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const RUNS = Number(args.runs ?? 500);
const ROUNDS = Number(args.rounds ?? 7);
const out = (o) => process.stdout.write(`${JSON.stringify({ bench: 'ort-session', ...o, load1: Number(loadavg()[0].toFixed(2)) })}\n`);

const CSV = join(resolve(process.cwd()), 'data/raw/customer_data.csv');
const { onnx, testRows } = await trainTelcoPipeline(CSV);
const baselineOnnx = args.baseline
  ? (await (await import(pathToFileURL(join(resolve(args.baseline), 'bench/serving/telco-model.mjs')).href)).trainTelcoPipeline(CSV)).onnx
  : undefined;

const perColumn = async (options) => {
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'], ...options });
  return { feeds: (rows) => onnxFeeds(session, rows), run: (f) => session.run(f), release: () => session.release() };
};
const settings = {
  'ort-defaults': () => perColumn({}),
  intra1: () => perColumn({ intraOpNumThreads: 1 }),
  serving: async () => {
    const session = await createOnnxSession(onnx);
    return { feeds: (rows) => onnxFeeds(session, rows), run: (f) => session.run(f, ['probabilities']), release: () => session.release() };
  },
  // The packed model through onnxruntime-node's public API (a run after a setImmediate).
  'serving+packed': async () => {
    const p = await createPipelineSession(onnx);
    const session = await createOnnxSession(p.bytes);
    return { feeds: (rows) => p.feeds(rows), run: (f) => session.run(f, ['probabilities']), release: () => Promise.all([session.release(), p.release()]) };
  },
  // What serving runs now: the same session run synchronously (PipelineSession.probaSync); its
  // run figure includes building the inputs (about 1 us for 1 row).
  'serving+packed+sync': async () => {
    const p = await createPipelineSession(onnx);
    return { feeds: (rows) => rows, run: (rows) => p.probaSync(rows), release: () => p.release() };
  },
  ...(baselineOnnx
    ? {
        'baseline+packed': async () => {
          const p = await createPipelineSession(baselineOnnx);
          const session = await createOnnxSession(p.bytes);
          return { feeds: (rows) => p.feeds(rows), run: (f) => session.run(f, ['probabilities']), release: () => Promise.all([session.release(), p.release()]) };
        },
      }
    : {}),
};

const cpuUs = (c) => c.user + c.system;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sessions = {};
for (const [setting, make] of Object.entries(settings)) sessions[setting] = await make();
const samples = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [setting, s] of Object.entries(sessions)) {
    for (const n of [1, 8, 64]) {
      const rows = testRows.slice(0, n);
      for (let i = 0; i < 50; i++) await s.run(s.feeds(rows));
      let c0 = process.cpuUsage();
      for (let i = 0; i < RUNS; i++) s.feeds(rows);
      const feeds = cpuUs(process.cpuUsage(c0)) / RUNS;
      const f = s.feeds(rows);
      c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < RUNS; i++) await s.run(f);
      const wall = ((performance.now() - t0) * 1000) / RUNS;
      const key = `${setting}@${n}`;
      (samples[key] ??= { setting, rows: n, wall: [], cpu: [], feeds: [] }).wall.push(wall);
      samples[key].cpu.push(cpuUs(process.cpuUsage(c0)) / RUNS);
      samples[key].feeds.push(feeds);
    }
  }
}
for (const x of Object.values(samples))
  out({ setting: x.setting, rows: x.rows, runWallUs: Number(median(x.wall).toFixed(1)), runCpuUs: Number(median(x.cpu).toFixed(1)), feedsCpuUs: Number(median(x.feeds).toFixed(1)), rounds: ROUNDS, runsPerRound: RUNS });

// The idle check: a server at one connection sleeps between requests, and a run after a pause is
// slower than back to back (caches and the idle core); fewer nodes touch less.
const idle = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const setting of ['serving+packed', 'serving+packed+sync', ...(baselineOnnx ? ['baseline+packed'] : [])]) {
    const s = sessions[setting];
    const rows = testRows.slice(0, 1);
    for (let i = 0; i < Math.ceil(RUNS / 5); i++) {
      await new Promise((r) => setTimeout(r, 1));
      const t0 = performance.now();
      await s.run(s.feeds(rows));
      (idle[setting] ??= []).push((performance.now() - t0) * 1000);
    }
  }
}
for (const [setting, xs] of Object.entries(idle)) out({ idleCheck: true, setting, rows: 1, sleepBeforeRunMs: 1, runWallUs: Number(median(xs).toFixed(1)), runs: xs.length });
for (const s of Object.values(sessions)) await s.release();

for (const spinning of ['default', 'off']) {
  const extra = spinning === 'off' ? ONNX_SERVING_SESSION_OPTIONS.extra : undefined;
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'], intraOpNumThreads: 2, ...(extra ? { extra } : {}) });
  const f = onnxFeeds(session, testRows.slice(0, 64));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < 300; i++) {
    await session.run(f);
    await new Promise((r) => setTimeout(r, 1));
  }
  const wallMs = performance.now() - t0;
  out({ spinningCheck: true, intraOpNumThreads: 2, spinning, rows: 64, cpuPerWall: Number((cpuUs(process.cpuUsage(c0)) / 1000 / wallMs).toFixed(2)) });
  await session.release();
}
