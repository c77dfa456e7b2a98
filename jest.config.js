/** Jest runs the TypeScript sources through swc, keeping decorator metadata (type-graphql and TypeORM need it). */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
// The AWS SDK warns once per process that its releases after January 2027 need Node.js 22; in the
// test run that is one identical 8-line warning per worker and child process, which buries jest's
// own output. The service itself still prints it (README: Node.js 20.19+, 22 recommended).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/bench/'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  testTimeout: 60000,
  // The migrated databases every test app starts from (test/helpers/database-snapshot.ts), and with
  // TEST_CLICKHOUSE=1 a throwaway ClickHouse for the analytics and trace tests (throwaway-clickhouse.ts).
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  maxWorkers: process.env.JEST_MAX_WORKERS || 2,
};
