import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // global-setup.ts compiles src/linalg/wasm/*.wat into dist/linalg/wasm/ first: the kernels that src/ loads.
    // redis-global.ts: the queue tests' Redis servers (test/helpers/redis.ts) register there; any left running is
    // killed at the end.
    globalSetup: ["test/global-setup.ts", "test/helpers/redis-global.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
