import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against sources, not each package's dist.
    // Subpaths first: '@weft/server' would also match '@weft/server/testing'.
    alias: [
      { find: '@weft/client/testing', replacement: fileURLToPath(new URL('./packages/client/src/testing.ts', import.meta.url)) },
      { find: '@weft/server/testing', replacement: fileURLToPath(new URL('./packages/server/src/testing.ts', import.meta.url)) },
      { find: '@weft/crdt-core', replacement: pkg('crdt-core') },
      { find: '@weft/client', replacement: pkg('client') },
      { find: '@weft/server', replacement: pkg('server') },
      { find: '@weft/react', replacement: pkg('react-bindings') },
      { find: '@weft/devtools', replacement: pkg('devtools') },
      { find: '@weft/prosemirror', replacement: pkg('prosemirror') },
      { find: '@weft/codemirror', replacement: pkg('codemirror') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.{ts,tsx}', 'packages/*/dashboard/src/**/*.test.{ts,tsx}', 'apps/*/src/**/*.test.{ts,tsx}', 'tests/**/*.test.{ts,tsx}'],
    // Playwright specs (*.spec.ts under tests/e2e) are run by Playwright, not vitest.
    exclude: ['**/node_modules/**', '**/dist/**', 'tests/e2e/**'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
