import type { Timers } from '../timers.js'

export interface PresenceOptions {
  timers: Timers
  /** At most one publish per this many ms; the latest state always goes out. Default 50. */
  throttleMs?: number
  /** Re-publish our state to tabs this often so they know we are alive. Default 10 s. */
  heartbeatMs?: number
  /** Forget a tab not heard from for this long. Default 30 s. */
  timeoutMs?: number
  /** Send our state (null: we left) to peer tabs. */
  publishToTabs(state: unknown): void
  /** Send our state to the server (the session relays and times it out there). */
  publishToServer(state: unknown): void
  onChange(): void
}

/** Key of another participant in `others`: `tab:<replicaId>` or `peer:<server peer id>`. */
export type PresenceKey = `tab:${number}` | `peer:${number}`

/**
 * One doc's ephemeral presence: our own state (throttled, with heartbeats to
 * tabs) and everyone else's, from tabs (timed out here) and from the server
 * (timed out by the server, reported by the session).
 */
export class Presence {
  private mine: unknown = null
  private lastSent = -Infinity
  private trailing: unknown
  private heartbeat: unknown
  private readonly peers = new Map<PresenceKey, unknown>()
  private readonly expiry = new Map<PresenceKey, unknown>()
  private closed = false

  constructor(private readonly opts: PresenceOptions) {}

  /** Everyone else's current state. */
  get others(): ReadonlyMap<PresenceKey, unknown> {
    return this.peers
  }

  /** Our current state (`null` before the first `set`). */
  get state(): unknown {
    return this.mine
  }

  /** Set our state; published at once, or at the end of the throttle window. */
  set(state: unknown): void {
    if (this.closed) return
    this.mine = state
    const { timers } = this.opts
    const wait = this.lastSent + (this.opts.throttleMs ?? 50) - timers.now()
    if (wait <= 0) this.publish()
    else
      this.trailing ??= timers.setTimeout(() => {
        this.trailing = undefined
        this.publish()
      }, wait)
  }

  /** Re-send our state to tabs (a tab just opened and does not know it). */
  resendToTabs(): void {
    if (this.mine !== null && !this.closed) this.opts.publishToTabs(this.mine)
  }

  /** A tab said hello with a state (or left with null). */
  fromTab(tab: number, state: unknown): void {
    this.update(`tab:${tab}`, state, true)
  }

  /** The session reported a server peer's state (or that it left). */
  fromServer(peerId: number, state: unknown): void {
    this.update(`peer:${peerId}`, state, false)
  }

  /** Drop every server peer (the connection went down; they come back on resubscribe). */
  clearServerPeers(): void {
    let changed = false
    for (const k of [...this.peers.keys()]) if (k.startsWith('peer:')) changed = this.peers.delete(k) || changed
    if (changed) this.opts.onChange()
  }

  /** Announce that we left, and stop timers. */
  close(): void {
    if (this.closed) return
    this.closed = true
    const { timers } = this.opts
    timers.clearTimeout(this.trailing)
    timers.clearTimeout(this.heartbeat)
    for (const t of this.expiry.values()) timers.clearTimeout(t)
    if (this.mine !== null) {
      this.opts.publishToTabs(null)
      this.opts.publishToServer(null)
    }
  }

  private publish(): void {
    const { timers } = this.opts
    this.lastSent = timers.now()
    this.opts.publishToTabs(this.mine)
    this.opts.publishToServer(this.mine)
    timers.clearTimeout(this.heartbeat)
    if (this.mine === null) return
    this.heartbeat = timers.setTimeout(() => !this.closed && this.publishHeartbeat(), this.opts.heartbeatMs ?? 10_000)
  }

  private publishHeartbeat(): void {
    this.opts.publishToTabs(this.mine)
    this.heartbeat = this.opts.timers.setTimeout(() => !this.closed && this.publishHeartbeat(), this.opts.heartbeatMs ?? 10_000)
  }

  private update(key: PresenceKey, state: unknown, expires: boolean): void {
    if (this.closed) return
    const { timers } = this.opts
    timers.clearTimeout(this.expiry.get(key))
    this.expiry.delete(key)
    if (state === null || state === undefined) {
      if (this.peers.delete(key)) this.opts.onChange()
      return
    }
    this.peers.set(key, state)
    if (expires)
      this.expiry.set(
        key,
        timers.setTimeout(() => {
          this.expiry.delete(key)
          if (this.peers.delete(key)) this.opts.onChange()
        }, this.opts.timeoutMs ?? 30_000),
      )
    this.opts.onChange()
  }
}
