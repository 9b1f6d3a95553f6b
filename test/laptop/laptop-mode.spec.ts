/**
 * Laptop mode end to end: the built `mlops` CLI as a child process, in a temporary working copy
 * of config/ and data/, with an environment that has no KAFKA_*, DATABASE_*, REDIS_* or
 * REGISTRY_URL variables. A preload module makes any outgoing TCP connection fail the process
 * (exit 97), so the test proves that laptop mode uses none of the stack, whether or not the stack
 * is running on this machine.
 *
 * `train` runs the shipped config (gate included) on the full bundled data with one model and no
 * tuning or CV, to stay fast: logistic regression, about 6 s per run here. The seed's gate needs
 * the full split (a 10% sample's 141 test rows give a recall of 0.649 against min_recall 0.65),
 * so the speed comes from --models, --no-tuning and --cv-folds 0 rather than --sample-ratio.
 * Two runs: the second version goes to Staging and archives the first, across two processes.
 * The SQLite file is then read back through libs/registry, and `validate-model` gates the
 * Staging version from it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openEmbeddedRegistry } from '@mlops/registry';

const ROOT = resolve(process.cwd());
const CLI = join(ROOT, 'tools', 'cli', 'dist', 'main.js');
const NO_NETWORK_EXIT = 97;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

let work: string;
let env: NodeJS.ProcessEnv;
let preload: string;

/** The environment of a bare laptop: this one without the stack's endpoints, test runner or config overrides. */
function laptopEnv(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(KAFKA|DATABASE|REDIS|REGISTRY|PG|MLOPS|JEST)/.test(key) || key === 'NODE_OPTIONS') continue;
    out[key] = value;
  }
  return out;
}

function mlops(args: string[]): Promise<Run> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(preload).href, CLI, ...args], {
      cwd: work,
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

const TRAIN = [
  'train',
  '--data-path',
  'data/raw/customer_data.csv',
  '--config-path',
  'config/config.yaml',
  '--register-best',
  '--promote-to-staging',
  '--models',
  'logistic_regression',
  '--no-tuning',
  '--cv-folds',
  '0',
];

beforeAll(() => {
  // The CLI as `npm run train` runs it: compiled with the libs it uses.
  const build = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tools/cli/tsconfig.json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (build.status !== 0)
    throw new Error(`tsc -b tools/cli/tsconfig.json failed:\n${build.stdout}${build.stderr}`);
  work = mkdtempSync(join(tmpdir(), 'mlops-laptop-'));
  cpSync(join(ROOT, 'config'), join(work, 'config'), { recursive: true });
  mkdirSync(join(work, 'data', 'raw'), { recursive: true });
  cpSync(join(ROOT, 'data', 'raw', 'customer_data.csv'), join(work, 'data', 'raw', 'customer_data.csv'));
  preload = join(work, 'no-network.mjs');
  writeFileSync(
    preload,
    `import net from 'node:net';
net.Socket.prototype.connect = function (...args) {
  process.stderr.write('laptop mode opened a network connection: ' + JSON.stringify(args[0]) + '\\n');
  process.exit(${NO_NETWORK_EXIT});
};
`,
  );
  env = laptopEnv();
}, 300_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('laptop mode: nothing but Node', () => {
  it('trains on the bundled data, registers, gates, promotes to Staging and prints the metrics table; the next run archives it', async () => {
    const first = await mlops(TRAIN);
    expect({ code: first.code, stderr: first.code === 0 ? '' : first.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    expect(first.stdout).toMatch(
      /^model\s+val AUC\s+test AUC\s+accuracy\s+precision\s+recall\s+F1\s+threshold\s+fit s$/m,
    );
    expect(first.stdout).toMatch(/^\* logistic_regression\s+0\.\d{4}\s+0\.\d{4}/m);
    expect(first.stdout).toContain('validation gate: PASSED');
    const sqlite = join(work, '.local', 'registry', 'registry.sqlite');
    expect(first.stdout).toContain(`registered: churn-predictor version 1 (stage Staging) in ${sqlite}`);
    expect(first.stdout).toMatch(
      /^ {2}registered churn-predictor v1 \(logistic_regression, sha256:[0-9a-f]{12}\) \(mlops\.model\.registered\.v1\)$/m,
    );
    expect(first.stdout).toMatch(
      /^ {2}promoted churn-predictor v1 to Staging \(mlops\.model\.promoted\.v1\)$/m,
    );

    const second = await mlops(TRAIN);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`registered: churn-predictor version 2 (stage Staging) in ${sqlite}`);
    expect(second.stdout).toMatch(
      /^ {2}promoted churn-predictor v2 to Staging \(archived v1\) \(mlops\.model\.promoted\.v1\)$/m,
    );
    process.stdout.write(
      `laptop train runs: ${first.seconds.toFixed(1)} s, ${second.seconds.toFixed(1)} s\n`,
    );

    // The SQLite file, read back through libs/registry.
    const registry = await openEmbeddedRegistry({ path: sqlite });
    try {
      const staging = await registry.models.latestInStage('churn-predictor', 'Staging');
      expect(staging?.version).toBe(2);
      expect((await registry.models.getVersion('churn-predictor', 1)).currentStage).toBe('Archived');
      expect(
        (await registry.models.history('churn-predictor')).map((h) => [
          h.version,
          h.fromStage,
          h.toStage,
          h.kind,
          h.actor,
        ]),
      ).toEqual([
        [1, 'None', 'Staging', 'transition', 'mlops-cli'],
        [2, 'None', 'Staging', 'transition', 'mlops-cli'],
        [1, 'Staging', 'Archived', 'archive-existing', 'mlops-cli'],
      ]);
      const run = await registry.tracking.getRun(staging?.runId as string);
      expect(run.info.status).toBe('FINISHED');
      expect(run.params).toContainEqual({ key: 'algorithm', value: 'logistic_regression' });
      // The version's artifact is the model.onnx the second run wrote.
      const runs = readdirSync(join(work, '.local', 'runs')).sort();
      const onnx = readFileSync(join(work, '.local', 'runs', runs.at(-1) as string, 'model.onnx'));
      expect(staging?.checksum).toBe(`sha256:${createHash('sha256').update(onnx).digest('hex')}`);
      // Every outbox event was published on the in-process bus.
      expect(
        await registry.dataSource.query(
          `SELECT topic, published_at IS NOT NULL AS published FROM outbox ORDER BY rowid`,
        ),
      ).toEqual([
        { topic: 'mlops.model.promoted.v1', published: 1 },
        { topic: 'mlops.model.promoted.v1', published: 1 },
      ]);
    } finally {
      await registry.close();
    }

    const validated = await mlops([
      'validate-model',
      '--model-name',
      'churn-predictor',
      '--min-accuracy',
      '0.75',
      '--output-file',
      'validation_results.json',
      '--config-path',
      'config/config.yaml',
    ]);
    expect({ code: validated.code, stderr: validated.code === 0 ? '' : validated.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    expect(validated.stdout).toContain('validation gate: PASSED');
    const results = JSON.parse(readFileSync(join(work, 'validation_results.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(results).toMatchObject({
      modelName: 'churn-predictor',
      source: { kind: 'registry', registry: sqlite, version: 2, stage: 'Staging' },
      passed: true,
      thresholds: expect.objectContaining({ min_accuracy: 0.75 }),
    });
    expect(results['testRows']).toBeGreaterThan(1000);
    expect(`sha256:${String(results['sha256'])}`).toBe((results['source'] as { checksum: string }).checksum);
    expect(existsSync(`${sqlite}.lock`)).toBe(false);
  }, 240_000);
});
