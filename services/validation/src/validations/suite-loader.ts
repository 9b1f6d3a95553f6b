import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseSuite, type ExpectationSuite } from '@mlops/data-quality';

/**
 * Loads and checks the expectation suite of `validation.suite_path` once, at boot. A relative path is
 * looked up from the working directory, then from each parent directory (so the service started
 * from `services/validation` or from the repository root finds `config/data-quality/...`).
 * @throws Error naming the path tried when the file is missing; SuiteError listing every problem
 *   when the suite is invalid (the boot stops: a service without a valid suite must not run).
 */
export function loadSuite(suitePath: string, cwd = process.cwd()): { suite: ExpectationSuite; path: string } {
  const path = resolveSuitePath(suitePath, cwd);
  return { suite: parseSuite(readFileSync(path, 'utf8')), path };
}

function resolveSuitePath(suitePath: string, cwd: string): string {
  if (isAbsolute(suitePath)) {
    if (!existsSync(suitePath))
      throw new Error(`validation.suite_path ${suitePath} does not exist: fix the path in the config`);
    return suitePath;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, suitePath);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `validation.suite_path ${suitePath} was not found from ${cwd} or its parents: set it to an existing suite file`,
  );
}
