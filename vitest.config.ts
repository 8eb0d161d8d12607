import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

const alias = { '@': fileURLToPath(new URL('./src', import.meta.url)) }

// One project per kind of test; `npm test` runs them all (scripts/test.mjs): domain and components
// on two workers (these machines have two cores; Vitest would take one), then integration and e2e,
// each one file at a time, side by side in two Vitest processes.
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { resolve: { alias }, test: { name: 'domain', environment: 'node', include: ['test/domain/**/*.test.ts', 'test/shared/**/*.test.ts'] } },
      {
        plugins: [vue()],
        resolve: { alias },
        test: {
          name: 'components', environment: 'happy-dom', include: ['test/components/**/*.test.ts', 'test/features/**/*.test.ts', 'test/stores/**/*.test.ts', 'test/modules/**/*.test.ts'],
          // Vant's per-component style files import CSS: let Vite transform them.
          server: { deps: { inline: ['vant'] } },
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration', environment: 'node',
          include: ['test/sync-server/**/*.test.ts', 'test/data/**/*.test.ts', 'test/proof/**/*.test.ts'],
          testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e', environment: 'node', include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false,
        },
      },
    ],
  },
})
