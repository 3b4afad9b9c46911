import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The Weft server serves the build from dist/ at `/` (see scripts/start.mjs).
// In `pnpm dev`, /sync is proxied to a server on 8787.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/sync': { target: 'ws://127.0.0.1:8787', ws: true } },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
})
