// Jest runs in ESM mode (NestJS 12 is ESM-only): `node --experimental-vm-modules`.
// Workspace packages resolve to their TypeScript sources, so tests need no build.
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@mlops/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^@mlops/([a-z-]+)/([a-z-]+)$': '<rootDir>/libs/$1/src/$2.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  // Node's environment, sharing the main realm's typed-array constructors with the test context, so
  // that native modules (onnxruntime-node) and Buffers pass `instanceof` checks inside tests.
  testEnvironment: '<rootDir>/libs/ml/src/onnx/jest-ort-environment.mjs',
};

export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/*/src/**/*.spec.ts', '<rootDir>/services/*/src/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/libs/*/test/**/*.spec.ts', '<rootDir>/services/*/test/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    },
  ],
};
