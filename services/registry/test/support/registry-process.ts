/**
 * Runs the built registry service (services/registry/dist/main.js, from `npm run build`) as a child
 * process against the real local stack, isolated from a running `npm start`: its own HTTP port, a
 * per-run consumer-group prefix (a copy of config/ whose environment file overrides it) and a
 * temporary artifact root. PostgreSQL schema `registry` is shared: tests use unique names.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export const ROOT = resolve(process.cwd());
export const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://mlops:mlops@127.0.0.1:5432/mlops';

export interface RegistryProcess {
  readonly url: string;
  readonly artifactRoot: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

function isolatedConfigDir(groupPrefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'registry-test-config-'));
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  const envFile = join(dir, `${process.env['MLOPS_ENV'] || 'development'}.yaml`);
  const overlay = (existsSync(envFile) ? (parseYaml(readFileSync(envFile, 'utf8')) ?? {}) : {}) as Record<string, unknown>;
  overlay['kafka'] = { ...((overlay['kafka'] ?? {}) as Record<string, unknown>), consumer_group_prefix: groupPrefix };
  writeFileSync(envFile, stringifyYaml(overlay));
  return dir;
}

/** Starts the registry on `port` and waits for /health/ready (fails with the log's tail). */
export async function startRegistry(port: number): Promise<RegistryProcess> {
  const main = join(ROOT, 'services', 'registry', 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const run = `registry-test-${Date.now().toString(36)}-${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), `${run}-`));
  const artifactRoot = join(work, 'artifacts');
  const logFile = join(work, 'registry.log');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('JEST') || key === 'NODE_OPTIONS') delete env[key];
  const child: ChildProcess = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: {
      ...env,
      MLOPS_CONFIG_DIR: isolatedConfigDir(`mlops-${run}`),
      REGISTRY_HTTP_PORT: String(port),
      REGISTRY_ARTIFACT_ROOT: artifactRoot,
      KAFKA_BROKERS: BROKERS.join(','),
      DATABASE_URL,
    },
    stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`registry exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`registry not ready within 60 s:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    artifactRoot,
    logFile,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** JSON request; the answer's body parsed (an empty body as {}). */
export async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}
