/**
 * The Nx project tags really restrict: framework-free libs import no framework and no other kind
 * of lib, and no service imports another service. Lints probe sources at paths inside each project
 * (the files need not exist) with the repository's own ESLint configuration.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = resolve(import.meta.dirname, '../..');

async function boundaryMessages(filePath: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(source, { filePath: resolve(ROOT, filePath) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries')
    .map((m) => m.message);
}

beforeAll(() => {
  // The rule reads Nx's project graph; computing it once makes it available to ESLint.
  execFileSync('npx', ['nx', 'show', 'projects'], {
    cwd: ROOT,
    env: { ...process.env, NX_DAEMON: 'false' },
    stdio: 'ignore',
  });
}, 120_000);

describe('module boundaries by project tag', () => {
  it.each([
    [
      'libs/ml/src/probe.ts',
      'not allowed to import "@nestjs/common"',
      "import { Injectable } from '@nestjs/common';\nexport const a = Injectable;\n",
    ],
    [
      'libs/ml/src/probe.ts',
      'not allowed to import "kafkajs"',
      "import { Kafka } from 'kafkajs';\nexport const a = Kafka;\n",
    ],
    [
      'libs/contracts/src/probe.ts',
      'not allowed to import "ioredis"',
      "import { Redis } from 'ioredis';\nexport const a = Redis;\n",
    ],
    [
      'libs/drift/src/probe.ts',
      'can only depend on libs tagged with "type:pure"',
      "import { loadConfig } from '@mlops/config';\nexport const a = loadConfig;\n",
    ],
    [
      'libs/ml/src/probe.ts',
      'can only depend on libs tagged with "type:pure"',
      "import { EventPublisher } from '@mlops/messaging';\nexport const a = EventPublisher;\n",
    ],
    [
      'services/drift/src/probe.ts',
      'Imports of apps are forbidden',
      "import { x } from '@mlops/svc-serving';\nexport const a = x;\n",
    ],
  ])(
    '%s: %s',
    async (file, expected, source) => {
      const messages = await boundaryMessages(file, source);
      expect(messages.join('\n')).toContain(expected);
    },
    60_000,
  );

  it('allows what the architecture allows', async () => {
    expect(
      await boundaryMessages(
        'libs/config/src/probe.ts',
        "import { topics } from '@mlops/contracts';\nexport const a = topics;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryMessages(
        'services/drift/src/probe.ts',
        "import { driftReport } from '@mlops/drift';\nexport const a = driftReport;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryMessages('libs/ml/src/probe.ts', "import { z } from 'zod';\nexport const a = z;\n"),
    ).toEqual([]);
  }, 60_000);
});
