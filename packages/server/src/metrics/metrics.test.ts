import { describe, expect, it } from 'vitest'
import { createMetrics } from './metrics.js'

describe('createMetrics', () => {
  it('keeps two servers apart (own registries) and renders Prometheus text', async () => {
    const a = createMetrics()
    const b = createMetrics()
    a.errors.inc({ code: 'rate-limited' })
    a.connections.set(2)
    const text = await a.registry.metrics()
    expect(text).toContain('weft_errors_total{code="rate-limited"} 1')
    expect(text).toContain('weft_connections 2')
    expect(await b.registry.metrics()).not.toContain('rate-limited')
  })
})
