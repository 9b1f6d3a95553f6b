// Lint: typescript-eslint strict rules + Nx module boundaries that really restrict.
//
// Tags (see each project.json):
//   type:pure     framework-free libs (contracts, ml, data-quality, drift): no framework, no I/O
//                 client, may import only other type:pure projects.
//   type:util     infrastructure libs (config, observability, messaging, feature-store): may import
//                 type:pure and type:util.
//   type:service  a NestJS service: may import libs, never another service.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const frameworkAndIo = [
  '@nestjs/*',
  'typeorm',
  'kafkajs',
  'ioredis',
  'pg',
  'prom-client',
  '@grpc/*',
  'onnxruntime-node',
  'better-sqlite3',
  'node:http',
  'node:https',
  'node:net',
  'http',
  'https',
  'net',
];

export default [
  {
    ignores: ['**/dist/**', '**/node_modules/**', '.local/**', '**/.venv/**', '**/__fixtures__/**', 'coverage/**', '.nx/**', 'reports/**', 'data/**'],
  },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:pure',
              onlyDependOnLibsWithTags: ['type:pure'],
              bannedExternalImports: frameworkAndIo,
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:pure', 'type:util'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:pure', 'type:util'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:pure', 'type:util'] },
          ],
        },
      ],
    },
  },
  {
    // The ONNX runtime helper is the one sanctioned native entry of libs/ml (kept out of its index).
    // and tests of pure libs may drive real runtimes (onnxruntime-node, @grpc/proto-loader).
    files: ['libs/ml/src/onnx/runtime.ts', 'libs/ml/src/onnx-runtime.ts', 'libs/*/src/**/*.spec.ts', 'libs/*/test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  prettier,
];
