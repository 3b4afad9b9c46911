import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// Built by the package's build script into dist/dashboard, which the server serves at /admin
// (src/dashboard/dashboard-routes.ts); the app calls the same node's /admin/api/*.
// In `vite --config dashboard/vite.config.ts`, /admin/api is proxied to a server on 8787.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/admin/',
  plugins: [react()],
  server: { proxy: { '/admin/api': 'http://127.0.0.1:8787' } },
  // No source maps: the npm package ships this build, and the app is small enough to read in the browser.
  build: { outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)), emptyOutDir: true, sourcemap: false },
})
