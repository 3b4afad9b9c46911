import { NearestRegion, type NearestRegionOptions } from '../regions/nearest-region.js'
import type { Connection, Transport, TransportHandlers } from './types.js'

/** Measures one round trip to a region (ms); rejects when the region does not answer. */
export type MeasureRegion = (url: string, signal: AbortSignal) => Promise<number>

export interface NearestRegionTransportOptions extends NearestRegionOptions {
  /** One sync URL per region (any of its nodes, or its load balancer). */
  readonly regions: readonly string[]
  /** The transport to one region's URL (a WebSocket transport in apps, the in-memory one in tests). */
  readonly transportFor: (url: string) => Transport
  /** Default: {@link measureHealth}. */
  readonly measure?: MeasureRegion
  /** Probe every region this often while connected (default 2 s). */
  readonly probeEveryMs?: number
  /** A probe slower than this counts as failed (default 2 s). */
  readonly probeTimeoutMs?: number
  /** Told when the client moves to another region (`failover` or `return`). */
  readonly onSwitch?: (from: string, to: string, why: 'failover' | 'return') => void
}

/** The transport, plus what tests and dashboards read from it. */
export interface NearestRegionTransport extends Transport {
  /** The region URL connected to (or connected to next). */
  region(): string
  /** Runs one round of probes now (tests drive time themselves). */
  probeNow(): Promise<void>
}

/**
 * Round trip of `GET /healthz` on the region's HTTP side. A health probe
 * rather than the WebSocket handshake: one plain request, no token, no
 * hello, cheap enough to repeat every few seconds against regions the
 * client is not connected to (how it learns the nearest one is back), and
 * it only answers 200 when the region's store answers too.
 */
export const measureHealth: MeasureRegion = async (url, signal) => {
  const u = new URL(url)
  u.protocol = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol
  u.pathname = '/healthz'
  u.search = ''
  const start = performance.now()
  const res = await fetch(u, { signal, cache: 'no-store' })
  await res.arrayBuffer()
  if (!res.ok) throw new Error(`${u.href} answered ${res.status}`)
  return performance.now() - start
}

/**
 * Connects to the nearest region and fails over to the next nearest when
 * its connection fails ([REGION-CLIENT-1]); probes every region while
 * connected and moves back to a nearer one with hysteresis
 * ([REGION-CLIENT-2]). Moving back closes the current connection as the
 * transport's own: the client reconnects as after any drop, and its outbox
 * is sent again to the new region, deduplicated by dots there
 * ([REGION-CLIENT-3]).
 */
export function nearestRegionTransport(o: NearestRegionTransportOptions): NearestRegionTransport {
  const choice = new NearestRegion(o.regions, o)
  const measure = o.measure ?? measureHealth
  const everyMs = o.probeEveryMs ?? 2_000
  const timeoutMs = o.probeTimeoutMs ?? 2_000
  const transports = new Map<string, Transport>()
  const transportFor = (url: string) => transports.get(url) ?? (transports.set(url, o.transportFor(url)).get(url) as Transport)
  let first: Promise<void> | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  let lastUsed = 0
  /** The connection open now, with the way to end it as a drop. */
  let active: { url: string; drop: (reason: string) => void } | undefined

  const probeAll = async () => {
    await Promise.all(
      o.regions.map(async (url) => {
        // A probe that fails or times out is an unreachable region (`undefined`), not an error to report.
        const ms = await measure(url, AbortSignal.timeout(timeoutMs)).catch(() => undefined)
        choice.probed(url, ms)
      }),
    )
  }
  const tick = async () => {
    // Nobody has connected for a while (the client closed): stop probing.
    if (!active && Date.now() - lastUsed > 3 * everyMs) {
      clearInterval(timer)
      timer = undefined
      return
    }
    await probeAll()
    const on = active
    if (!on) return
    const to = choice.nearer()
    if (to !== undefined && to !== on.url) {
      o.onSwitch?.(on.url, to, 'return')
      on.drop(`moving back to the nearer region ${to}`)
    }
  }
  const startProbing = () => {
    if (timer) return
    timer = setInterval(() => void tick(), everyMs)
    ;(timer as { unref?: () => void }).unref?.()
  }

  return {
    region: () => choice.current(),
    probeNow: () => tick(),
    connect(handlers: TransportHandlers): Connection {
      lastUsed = Date.now()
      let done = false
      let inner: Connection | undefined
      let mine: { url: string; drop: (reason: string) => void } | undefined
      const opening = (first ??= probeAll().then(() => void choice.pickNearest())).then(() => {
        if (done) return
        const url = choice.current()
        const me = {
          url,
          drop: (reason: string) => {
            if (done) return
            done = true
            inner?.close()
            if (active === me) active = undefined
            handlers.onClose({ reason })
          },
        }
        active = me
        mine = me
        startProbing()
        inner = transportFor(url).connect({
          onOpen: () => !done && handlers.onOpen(),
          onMessage: (f) => !done && handlers.onMessage(f),
          onClose: (info) => {
            if (done) return
            done = true
            if (active === me) active = undefined
            lastUsed = Date.now()
            choice.failed(url)
            const next = choice.current()
            if (next !== url) o.onSwitch?.(url, next, 'failover')
            handlers.onClose(info)
          },
        })
      })
      void opening
      return {
        send: (frame) => {
          if (!done) inner?.send(frame)
        },
        close: () => {
          if (done) return
          done = true
          lastUsed = Date.now()
          if (active !== undefined && active === mine) active = undefined
          inner?.close()
        },
      }
    },
  }
}
