import { existsSync, statSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import type { Registry } from 'prom-client'

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  readonly registry: Registry
  /** Extra fields for `/healthz`. */
  readonly health: () => Record<string, unknown>
  /** Built demo app to serve at `/`; ignored when missing. */
  readonly staticDir?: string | undefined
}

/** The HTTP side: `/healthz`, `/metrics`, and the demo's static files when present. */
export function createHttpApp(options: HttpAppOptions): Hono {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ ok: true, ...options.health() }))
  app.get('/metrics', async (c) => {
    c.header('Content-Type', options.registry.contentType)
    return c.body(await options.registry.metrics())
  })
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
