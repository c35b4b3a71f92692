import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources directly; integration tests start real servers, so
// give them time and run files in separate processes (each has its own BELAY_HOME).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    setupFiles: ['test/helpers/setup.ts'],
    reporters: ['default'],
  },
});
