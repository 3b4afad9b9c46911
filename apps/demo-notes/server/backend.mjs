// The demo's own backend, for a Weft server that checks tokens (WEFT_JWT_SECRET): serves the built
// app, a dev sign-in (any name, no password: a demo) kept in a signed cookie, and the token
// endpoint the client calls on every connection. The Weft server runs beside it (sync only).
//
//   PORT=8787 WEFT_JWT_SECRET=... WEFT_SYNC_URL=ws://127.0.0.1:8788/sync node apps/demo-notes/server/backend.mjs
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie'
import { sign } from 'hono/jwt'

const COOKIE = 'weft_demo_user'

/**
 * The backend's routes: `GET /api/session`, `POST /api/sign-in` `{ name }`, `POST /api/sign-out`,
 * `GET /api/weft-token`, and the app's files from `staticDir`.
 */
export function createDemoBackend({ secret, syncUrl, staticDir }) {
  const app = new Hono()
  const user = async (c) => (await getSignedCookie(c, secret, COOKIE)) || null
  app.get('/api/session', async (c) => c.json({ auth: 'jwt', syncUrl, user: await user(c) }))
  app.post('/api/sign-in', async (c) => {
    const body = await c.req.json().catch(() => ({}))
    const name = typeof body.name === 'string' ? body.name.trim().slice(0, 40) : ''
    if (name === '') return c.json({ error: 'a name is needed' }, 400)
    await setSignedCookie(c, COOKIE, name, secret, { path: '/', httpOnly: true, sameSite: 'Lax' })
    return c.json({ user: name })
  })
  app.post('/api/sign-out', (c) => {
    deleteCookie(c, COOKIE, { path: '/' })
    return c.json({ user: null })
  })
  // The token endpoint: the same few lines as the README's, with the demo's docs.
  app.get('/api/weft-token', async (c) => {
    const name = await user(c)
    if (!name) return c.json({ error: 'sign in first' }, 401)
    const exp = Math.floor(Date.now() / 1000) + 60 * 60
    const docs = { 'notes:index': 'write', 'note:*': 'write' }
    return c.json({ token: await sign({ sub: name, exp, docs }, secret, 'HS256') })
  })
  if (staticDir) {
    const root = resolve(staticDir)
    app.use('/*', serveStatic({ root }))
    app.get('/*', serveStatic({ root, path: 'index.html' }))
  }
  return app
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const secret = process.env.WEFT_JWT_SECRET
  const syncUrl = process.env.WEFT_SYNC_URL
  if (!secret || !syncUrl) {
    console.error("set WEFT_JWT_SECRET (the Weft server's secret) and WEFT_SYNC_URL (e.g. ws://127.0.0.1:8788/sync)")
    process.exit(2)
  }
  const port = Number(process.env.PORT ?? 8787)
  const host = process.env.WEFT_HOST ?? '127.0.0.1'
  const staticDir = process.env.WEFT_STATIC_DIR ?? fileURLToPath(new URL('../dist', import.meta.url))
  const server = serve({ fetch: createDemoBackend({ secret, syncUrl, staticDir }).fetch, port, hostname: host })
  server.on('error', (e) => {
    console.error(`demo backend: cannot listen on ${host}:${port} (${e.code ?? e.message})`)
    process.exit(1)
  })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)))
}
