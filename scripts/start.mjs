// `pnpm start`: builds the packages and the demo, then runs the Weft server on
// one port with the demo at `/`, sync at `/sync` and SQLite under ./data.
//
//   PORT / WEFT_PORT   port (default 8787)      WEFT_DB       SQLite file (default data/weft.db)
//   WEFT_HOST          interface (127.0.0.1)    --no-build    skip the builds (already built)
//   WEFT_JWT_SECRET    tokens required: the demo's backend (sign-in, token endpoint, the app) runs on
//                      PORT and the Weft server on WEFT_SYNC_PORT (default PORT + 1)
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const build = !process.argv.includes('--no-build')
const buildOnly = process.argv.includes('--build-only')
const portVar = process.env.PORT !== undefined ? 'PORT' : 'WEFT_PORT'
const port = process.env.PORT ?? process.env.WEFT_PORT ?? '8787'
const host = process.env.WEFT_HOST ?? '127.0.0.1'
const db = resolve(root, process.env.WEFT_DB ?? 'data/weft.db')
const demo = resolve(root, 'apps/demo-notes/dist')
const cli = resolve(root, 'packages/server/dist/cli.js')
const backend = resolve(root, 'apps/demo-notes/server/backend.mjs')
const secret = process.env.WEFT_JWT_SECRET || undefined
const syncPort = secret ? (process.env.WEFT_SYNC_PORT ?? String(Number(port) + 1)) : port

function run(args, what) {
  console.log(`> ${what}`)
  // shell: pnpm is pnpm.cmd on Windows; the filter glob is quoted for the shell.
  const r = spawnSync(`pnpm ${args}`, { cwd: root, stdio: 'inherit', shell: true })
  if (r.status !== 0) {
    console.error(`${what} failed (exit ${r.status ?? r.signal})`)
    process.exit(r.status ?? 1)
  }
}

/** Resolves with the listen error code (e.g. 'EADDRINUSE'), or undefined when the port is free. */
function portProblem(port) {
  return new Promise((ok) => {
    const probe = createServer()
    probe.once('error', (e) => ok(e.code ?? String(e)))
    probe.listen(Number(port), host, () => probe.close(() => ok(undefined)))
  })
}

// Before the builds (a minute lost otherwise), in the variables `pnpm start` reads: the server's
// own hint names its --port flag, which `pnpm start` does not take.
const syncProblem = secret && !buildOnly ? await portProblem(syncPort) : undefined
if (syncProblem !== undefined) {
  console.error(`${host}:${syncPort} (the sync port) is not free (${syncProblem}): pick another with WEFT_SYNC_PORT=${Number(syncPort) + 1} pnpm start`)
  process.exit(1)
}
if (!buildOnly) {
  const problem = await portProblem(port)
  if (problem === 'EADDRINUSE') {
    console.error(`${host}:${port} is already in use: stop whatever listens there, or pick another port: ${portVar}=${Number(port) + 1} pnpm start`)
    process.exit(1)
  }
  if (problem === 'EACCES') {
    console.error(`no permission to listen on ${host}:${port}: ports below 1024 need privileges; pick another port: ${portVar}=8787 pnpm start`)
    process.exit(1)
  }
  if (problem !== undefined) {
    console.error(`cannot listen on ${host}:${port} (${problem}): check WEFT_HOST (an address of this machine, or 0.0.0.0) and ${portVar}`)
    process.exit(1)
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

// A start that fails must leave nothing behind: remember what this run creates.
const createdDir = !existsSync(dirname(db))
const createdDb = !existsSync(db)
mkdirSync(dirname(db), { recursive: true })
// Its own process group: Ctrl+C signals the terminal's whole foreground group (pnpm, this script, and a
// child in it), and pnpm forwards it once more; the server must hear it once, from us, or it takes
// the repeat for an impatient second Ctrl+C and exits at once.
const server = spawn(process.execPath, [cli, '--port', syncPort, '--host', host, '--db', db, ...(secret ? [] : ['--static', demo])], {
  cwd: root,
  detached: true,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { WEFT_LOG_LEVEL: 'warn', ...process.env },
})
// With tokens: the app's own backend serves the page, the sign-in and the token endpoint.
const app = secret
  ? spawn(process.execPath, [backend], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        PORT: port,
        WEFT_HOST: host,
        WEFT_STATIC_DIR: demo,
        WEFT_SYNC_URL: `ws://${host.includes(':') ? `[${host}]` : host}:${syncPort}/sync`,
      },
    })
  : undefined
const children = app ? [server, app] : [server]
const running = (c) => c.exitCode === null && c.signalCode === null

// Print the URL once the server answers.
let ready = false
const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host
const url = `http://${shownHost}:${port}/`
const started = Date.now()
const poll = setInterval(async () => {
  try {
    const res = await fetch(new URL(secret ? '/api/session' : '/healthz', url))
    if (!res.ok || ready) return
    ready = true
    clearInterval(poll)
    const mode = secret ? `; sign-in required, sync on port ${syncPort}` : ''
    console.log(`\nWeft Notes is running at ${url}  (data in ${db}${mode}; Ctrl+C to stop)\n`)
  } catch {
    if (Date.now() - started > 30_000) {
      clearInterval(poll)
      console.error(`the server did not answer at ${url} within 30 s`)
    }
  }
}, 200)

// One Ctrl+C reaches this process up to twice (from the terminal and from pnpm): signals within a
// second of the last forwarded one are that same Ctrl+C. A later one is a second Ctrl+C, and is passed on.
let forwardedAt = -Infinity
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (Date.now() - forwardedAt < 1000 || !children.some(running)) return
    forwardedAt = Date.now()
    for (const c of children) if (running(c)) c.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal)
  })
}
// Never leave the server running without us (this script exiting for any other reason).
process.on('exit', () => {
  for (const c of children) if (running(c)) c.kill('SIGTERM')
})

// One of them stopping stops the other; this script exits with the worst code once both are gone.
let worst = 0
for (const child of children) {
  child.on('exit', (code, signal) => {
    worst = Math.max(worst, code ?? (signal ? 0 : 1))
    const others = children.filter(running)
    if (others.length > 0) {
      for (const c of others) c.kill('SIGTERM')
      return
    }
    clearInterval(poll)
    if (!ready && worst !== 0) {
      // It never served: the database file (and the data directory) it may have made are not the user's.
      if (createdDb) for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(db + suffix, { force: true })
      if (createdDir && existsSync(dirname(db)) && readdirSync(dirname(db)).length === 0) rmdirSync(dirname(db))
    }
    process.exit(worst)
  })
}
