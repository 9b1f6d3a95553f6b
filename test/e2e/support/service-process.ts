import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One service started as its own node process from its build (`services/<name>/dist/main.js`). */
export interface ServiceProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly spawnedAt: number;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

export function mainOf(root: string, name: string): string {
  return join(root, 'services', name, 'dist', 'main.js');
}

/** Throws, saying to build, when a service has not been compiled. */
export function assertBuilt(root: string, names: readonly string[]): void {
  const missing = names.filter((name) => !existsSync(mainOf(root, name)));
  if (missing.length > 0) {
    throw new Error(
      `services not built (${missing.map((n) => `services/${n}/dist/main.js`).join(', ')} missing): run \`npm run build\` first`,
    );
  }
}

export function spawnService(
  root: string,
  name: string,
  port: number,
  env: NodeJS.ProcessEnv,
  logDir: string,
): ServiceProcess {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [mainOf(root, name)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { name, url: `http://127.0.0.1:${port}`, child, logFile, spawnedAt: performance.now(), exited };
}

/** Last lines of a service's log, for failure messages. */
export function tailOf(service: ServiceProcess, lines = 15): string {
  try {
    return readFileSync(service.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export async function get(url: string, timeoutMs = 3000): Promise<HttpAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

/** Polls until `probe` returns true; throws `what` with the last error after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<number> {
  const started = performance.now();
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return performance.now() - started;
    } catch (error) {
      last = error;
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with how the process ended. */
export async function stopProcess(service: ServiceProcess, graceMs = 15_000): Promise<number | string> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return service.exited;
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), graceMs);
  try {
    return await service.exited;
  } finally {
    clearTimeout(timer);
  }
}
