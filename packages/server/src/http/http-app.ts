import { existsSync, statSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import type { Registry } from 'prom-client'

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  readonly registry: Registry
  /** The body of `/healthz`; `ok: false` answers 503. */
  readonly health: () => Promise<{ readonly ok: boolean } & Record<string, unknown>>
  /** Built demo app to serve at `/`; ignored when missing. */
  readonly staticDir?: string | undefined
  /** More routes (region peering, the dashboard), added before the static files. */
  readonly routes?: readonly ((app: Hono) => void)[] | undefined
}

/** The HTTP side: `/healthz` (503 when the store or bus is unreachable), `/metrics`, and the demo's static files when present. */
export function createHttpApp(options: HttpAppOptions): Hono {
  const app = new Hono()
  app.get('/healthz', async (c) => {
    const health = await options.health()
    return c.json(health, health.ok ? 200 : 503)
  })
  app.get('/metrics', async (c) => {
    c.header('Content-Type', options.registry.contentType)
    return c.body(await options.registry.metrics())
  })
  for (const add of options.routes ?? []) add(app)
  const dir = options.staticDir === undefined ? undefined : resolve(options.staticDir)
  if (dir !== undefined && existsSync(dir) && statSync(dir).isDirectory()) {
    // serveStatic takes a root relative to the working directory.
    const root = relative(process.cwd(), dir) || '.'
    app.use('/*', serveStatic({ root }))
    // Single-page app: unknown paths get index.html.
    app.get('/*', serveStatic({ root, path: 'index.html' }))
  }
  return app
}
