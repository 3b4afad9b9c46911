// `pnpm start`: builds the packages and the demo, then runs the server with the demo.
import { existsSync } from 'node:fs'

if (!existsSync(new URL('../packages/server/src/cli.ts', import.meta.url))) {
  console.error('The Weft server is not built yet (packages/server is still in progress); nothing to start.')
  process.exit(1)
}
