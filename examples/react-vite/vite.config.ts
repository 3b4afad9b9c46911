import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `pnpm dev`: /sync goes to a Weft server on 8787 (`pnpm exec weft-server`).
export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/sync': { target: 'ws://127.0.0.1:8787', ws: true } } },
})
