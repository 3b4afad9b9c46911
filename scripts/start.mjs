// `pnpm start`: builds the packages and the demo, then runs the Weft server on
// one port with the demo at `/`, sync at `/sync` and SQLite under ./data.
//
//   PORT / WEFT_PORT   port (default 8787)      WEFT_DB       SQLite file (default data/weft.db)
//   WEFT_HOST          interface (127.0.0.1)    --no-build    skip the builds (already built)
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const build = !process.argv.includes('--no-build')
const buildOnly = process.argv.includes('--build-only')
const port = process.env.PORT ?? process.env.WEFT_PORT ?? '8787'
const host = process.env.WEFT_HOST ?? '127.0.0.1'
const db = resolve(root, process.env.WEFT_DB ?? 'data/weft.db')
const demo = resolve(root, 'apps/demo-notes/dist')
const cli = resolve(root, 'packages/server/dist/cli.js')

function run(args, what) {
  console.log(`> ${what}`)
  // shell: pnpm is pnpm.cmd on Windows; the filter glob is quoted for the shell.
  const r = spawnSync(`pnpm ${args}`, { cwd: root, stdio: 'inherit', shell: true })
  if (r.status !== 0) {
    console.error(`${what} failed (exit ${r.status ?? r.signal})`)
    process.exit(r.status ?? 1)
  }
}

if (build) {
  run('-r --filter "./packages/**" run build', 'building the packages')
  run('--filter @weft/demo-notes run build', 'building the demo app')
}
if (buildOnly) process.exit(0)
for (const [file, hint] of [
  [cli, 'the server is not built: run `pnpm start` without --no-build'],
  [resolve(demo, 'index.html'), 'the demo is not built: run `pnpm start` without --no-build'],
]) {
  if (!existsSync(file)) {
    console.error(`missing ${file}: ${hint}`)
    process.exit(1)
  }
}

mkdirSync(dirname(db), { recursive: true })
const server = spawn(process.execPath, [cli, '--port', port, '--host', host, '--db', db, '--static', demo], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { WEFT_LOG_LEVEL: 'warn', ...process.env },
})

// Print the URL once the server answers.
const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host
const url = `http://${shownHost}:${port}/`
const started = Date.now()
const poll = setInterval(async () => {
  try {
    const res = await fetch(new URL('/healthz', url))
    if (!res.ok) return
    clearInterval(poll)
    console.log(`\nWeft Notes is running at ${url}  (data in ${db}; Ctrl+C to stop)\n`)
  } catch {
    if (Date.now() - started > 30_000) {
      clearInterval(poll)
      console.error(`the server did not answer at ${url} within 30 s`)
    }
  }
}, 200)

// Ctrl+C / SIGTERM: let the server flush and close, then exit with its code.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal))
server.on('exit', (code, signal) => {
  clearInterval(poll)
  process.exit(code ?? (signal ? 0 : 1))
})
