// One jest setup for the whole monorepo: TypeScript through @swc/jest (CommonJS, no experimental
// flags), workspace imports mapped to package sources so tests never need a prior build.
//   unit:        *.test.ts beside the code, pure and fast, no Kafka or ClickHouse
//   integration: *.int.test.ts, real Kafka + ClickHouse provided by test/harness/global-setup.ts
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
const moduleNameMapper = {
  '^@tailstream/service-(.*)$': '<rootDir>/services/$1/src',
  '^@tailstream/test-harness$': '<rootDir>/test/harness',
  '^@tailstream/test-harness/(.*)$': '<rootDir>/test/harness/$1',
  '^@tailstream/(.*)$': '<rootDir>/packages/$1/src',
};
const common = {
  rootDir: __dirname,
  transform,
  moduleNameMapper,
  testEnvironment: 'node',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{packages,services,test}/**/*.test.ts'],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.int\\.test\\.ts$', '\\.e2e\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{packages,services,test}/**/*.{int,e2e}.test.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/harness/jest-timeout.ts'],
    },
  ],
};
