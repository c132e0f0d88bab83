/** Four tiers: fast unit tests, CDK templates (infra), the console in headless Chromium (browser), and tests that need DynamoDB Local (integration, end-to-end). */
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Type-checking happens once, in `tsc --noEmit`; ts-jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
};

module.exports = {
  // Global, not per project: the DynamoDB tier starts servers and processes.
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/security/**/*.test.ts'],
    },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    // Headless Chromium (/usr/bin/chromium) against the built console: test/support/browser.ts.
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
    {
      ...common,
      displayName: 'dynamodb',
      testMatch: ['<rootDir>/test/{integration,e2e,reliability}/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/dynamodb-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/dynamodb-global-teardown.ts',
    },
  ],
};
