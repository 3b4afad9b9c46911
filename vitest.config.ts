import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against sources, not each package's dist.
    alias: {
      '@weft/crdt-core': pkg('crdt-core'),
      '@weft/client': pkg('client'),
      '@weft/server': pkg('server'),
      '@weft/react': pkg('react-bindings'),
      '@weft/devtools': pkg('devtools'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.{ts,tsx}', 'apps/*/src/**/*.test.{ts,tsx}', 'tests/**/*.test.{ts,tsx}'],
    // Playwright specs (*.spec.ts under tests/e2e) are run by Playwright, not vitest.
    exclude: ['**/node_modules/**', '**/dist/**', 'tests/e2e/**'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
