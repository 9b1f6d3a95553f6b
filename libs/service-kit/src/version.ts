import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `version` of the nearest package.json above a module (`readPackageVersion(import.meta.url)`
 * in `services/<name>/dist/main.js` reads `services/<name>/package.json`).
 * @throws when no package.json with a version is found.
 */
export function readPackageVersion(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg: unknown = JSON.parse(readFileSync(candidate, 'utf8'));
      const version =
        typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
      if (typeof version !== 'string' || version === '') throw new Error(`${candidate} has no "version"`);
      return version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${moduleUrl}`);
    dir = parent;
  }
}
