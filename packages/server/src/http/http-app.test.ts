import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createMetrics } from '../metrics/metrics.js'
import { createHttpApp } from './http-app.js'

describe('createHttpApp', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('answers /healthz and /metrics', async () => {
    const m = createMetrics()
    m.connections.set(3)
    const app = createHttpApp({ registry: m.registry, health: async () => ({ ok: true, connections: 3 }) })
    const health = await app.request('/healthz')
    expect(await health.json()).toEqual({ ok: true, connections: 3 })
    const sick = createHttpApp({ registry: m.registry, health: async () => ({ ok: false, store: { ok: false } }) })
    expect((await sick.request('/healthz')).status).toBe(503)
    const metrics = await app.request('/metrics')
    expect(metrics.headers.get('content-type')).toContain('text/plain')
    expect(await metrics.text()).toContain('weft_connections 3')
    expect((await app.request('/')).status).toBe(404)
  })

  it('serves a static dir when it exists, with index.html for unknown paths', async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-static-'))
    writeFileSync(join(dir, 'index.html'), '<h1>notes</h1>')
    writeFileSync(join(dir, 'app.js'), 'console.log(1)')
    const app = createHttpApp({ registry: createMetrics().registry, health: async () => ({ ok: true }), staticDir: dir })
    expect(await (await app.request('/')).text()).toBe('<h1>notes</h1>')
    expect(await (await app.request('/app.js')).text()).toBe('console.log(1)')
    expect(await (await app.request('/note/42')).text()).toBe('<h1>notes</h1>')
    expect((await app.request('/healthz')).status).toBe(200)
  })

  it('ignores a missing static dir', async () => {
    const app = createHttpApp({ registry: createMetrics().registry, health: async () => ({ ok: true }), staticDir: '/nonexistent/weft' })
    expect((await app.request('/')).status).toBe(404)
  })
})
