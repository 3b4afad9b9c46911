import type { Timers } from '../timers.js'
import { backoffDelay, type BackoffOptions } from './backoff.js'
import type { OnlineSignal } from './online-signal.js'
import type { CloseInfo, Connection, Transport } from './types.js'

export type LinkState = 'offline' | 'connecting' | 'open'

export interface ReconnectingLinkOptions {
  transport: Transport
  timers: Timers
  backoff?: BackoffOptions
  online?: OnlineSignal
  /** Give up on an attempt that has not opened after this long. Default 10 s. */
  connectTimeoutMs?: number
  /** A connection that stayed open this long resets the backoff. Default 5 s. */
  stableMs?: number
  onOpen(): void
  onMessage(frame: Uint8Array): void
  onClose(info: CloseInfo): void
  onState(state: LinkState): void
}

/**
 * Keeps one connection up: reconnects after every drop with exponential
 * backoff and jitter. An `online` hint skips the wait; an offline hint is
 * ignored (it lies on captive portals and VPNs), so attempts never stop.
 */
export class ReconnectingLink {
  private conn: Connection | undefined
  private timer: unknown
  private connectTimer: unknown
  private attempt = 0
  private openedAt: number | undefined
  private stopped = true
  private current: LinkState = 'offline'
  private unsubscribeOnline: (() => void) | undefined

  constructor(private readonly opts: ReconnectingLinkOptions) {}

  get state(): LinkState {
    return this.current
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.unsubscribeOnline = this.opts.online?.subscribe(() => this.reconnectNow())
    this.connect()
  }

  send(frame: Uint8Array): void {
    if (this.current === 'open') this.conn?.send(frame)
  }

  /** Connect now, with the backoff reset, if waiting to retry (the network came back). */
  reconnectNow(): void {
    // Only a connection waiting out its backoff is hurried; an open or opening one is left alone.
    if (this.stopped || this.current !== 'offline') return
    this.clearTimers()
    this.attempt = 0
    this.connect()
  }

  /** Close the connection because the protocol said so; a reconnect follows after backoff. */
  drop(reason: string): void {
    if (!this.conn) return
    const c = this.conn
    this.conn = undefined
    c.close()
    this.closed({ reason })
  }

  stop(): void {
    this.stopped = true
    this.unsubscribeOnline?.()
    this.clearTimers()
    this.conn?.close()
    this.conn = undefined
    this.setState('offline')
  }

  private connect(): void {
    if (this.stopped) return
    this.setState('connecting')
    const conn = this.opts.transport.connect({
      onOpen: () => {
        if (conn !== this.conn) return
        this.opts.timers.clearTimeout(this.connectTimer)
        this.openedAt = this.opts.timers.now()
        this.setState('open')
        this.opts.onOpen()
      },
      onMessage: (frame) => conn === this.conn && this.opts.onMessage(frame),
      onClose: (info) => {
        if (conn !== this.conn) return
        this.conn = undefined
        this.closed(info)
      },
    })
    this.conn = conn
    this.connectTimer = this.opts.timers.setTimeout(() => {
      if (conn === this.conn && this.current === 'connecting') this.drop('connect timeout')
    }, this.opts.connectTimeoutMs ?? 10_000)
  }

  private closed(info: CloseInfo): void {
    const wasOpen = this.current === 'open'
    this.clearTimers()
    if (this.openedAt !== undefined && this.opts.timers.now() - this.openedAt >= (this.opts.stableMs ?? 5000)) this.attempt = 0
    this.openedAt = undefined
    this.setState('offline')
    if (wasOpen) this.opts.onClose(info)
    if (this.stopped) return
    const delay = backoffDelay(this.attempt++, this.opts.backoff)
    this.timer = this.opts.timers.setTimeout(() => {
      this.timer = undefined
      this.connect()
    }, delay)
  }

  private clearTimers(): void {
    if (this.timer !== undefined) this.opts.timers.clearTimeout(this.timer)
    if (this.connectTimer !== undefined) this.opts.timers.clearTimeout(this.connectTimer)
    this.timer = undefined
    this.connectTimer = undefined
  }

  private setState(s: LinkState): void {
    if (s === this.current) return
    this.current = s
    this.opts.onState(s)
  }
}
