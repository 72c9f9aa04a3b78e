import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'local/**/*.test.ts'],
    setupFiles: ['tests/setup.ts'],
    // Lambda runs Node 22; the SDK's notice about Node 20 is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real redis-server processes and serverless package are CPU-heavy on 2 cores.
    maxWorkers: 2,
  },
});
