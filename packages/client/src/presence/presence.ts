import type { Timers } from '../timers.js'

export interface PresenceOptions {
  timers: Timers
  /**
   * This tab's stable id (its Doc's replica id, the `from` of its tab
   * messages): sent with our state to the server so a client that sees us
   * both over BroadcastChannel and through the server keys us once.
   */
  tabId?: number
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

/**
 * Key of another participant in `others`: `tab:<replicaId>` for every Weft
 * tab (or Node client), whether seen over BroadcastChannel, the server or
 * both ([CLIENT-PRES-5]); `peer:<server peer id>` only for a client whose
 * presence does not say its tab.
 */
export type PresenceKey = `tab:${number}` | `peer:${number}`

/** How our state travels through the server: the app's state plus the tab it comes from. */
const TAB_FIELD = 'weft:tab'

/** Our state as sent to the server (`null`, "left", is sent as is). */
export function toServerPresence(tabId: number | undefined, state: unknown): unknown {
  if (state === null || state === undefined || tabId === undefined) return state
  return { [TAB_FIELD]: tabId, state }
}

/** A server peer's state and the tab it says it comes from, if it does. */
export function fromServerPresence(raw: unknown): { tab: number | undefined; state: unknown } {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const r = raw as Record<string, unknown>
    const tab = r[TAB_FIELD]
    if (typeof tab === 'number' && Number.isSafeInteger(tab) && 'state' in r && Object.keys(r).length === 2) return { tab, state: r.state }
  }
  return { tab: undefined, state: raw }
}

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
  /** Tab-channel entries, with their timeout timer. */
  private readonly expiry = new Map<PresenceKey, unknown>()
  /** Server peer id -> the key its state is listed under. */
  private readonly serverKeys = new Map<number, PresenceKey>()
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
    if (this.closed) return
    const key: PresenceKey = `tab:${tab}`
    this.opts.timers.clearTimeout(this.expiry.get(key))
    this.expiry.delete(key)
    if (state === null || state === undefined) return this.dropIfUnheld(key)
    this.expiry.set(
      key,
      this.opts.timers.setTimeout(() => {
        this.expiry.delete(key)
        this.dropIfUnheld(key)
      }, this.opts.timeoutMs ?? 30_000),
    )
    this.put(key, state)
  }

  /** The session reported a server peer's state (or that it left). */
  fromServer(peerId: number, raw: unknown): void {
    if (this.closed) return
    if (raw === null || raw === undefined) {
      const key = this.serverKeys.get(peerId) ?? `peer:${peerId}`
      this.serverKeys.delete(peerId)
      return this.dropIfUnheld(key)
    }
    const { tab, state } = fromServerPresence(raw)
    const key: PresenceKey = tab === undefined ? `peer:${peerId}` : `tab:${tab}`
    this.serverKeys.set(peerId, key)
    this.put(key, state)
  }

  /** Drop what only the server told us (the connection went down; it comes back on resubscribe). */
  clearServerPeers(): void {
    const keys = [...this.serverKeys.values()]
    this.serverKeys.clear()
    let changed = false
    for (const k of keys) if (!this.held(k) && this.peers.delete(k)) changed = true
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
    this.opts.publishToServer(toServerPresence(this.opts.tabId, this.mine))
    timers.clearTimeout(this.heartbeat)
    if (this.mine === null) return
    this.heartbeat = timers.setTimeout(() => !this.closed && this.publishHeartbeat(), this.opts.heartbeatMs ?? 10_000)
  }

  private publishHeartbeat(): void {
    this.opts.publishToTabs(this.mine)
    this.heartbeat = this.opts.timers.setTimeout(() => !this.closed && this.publishHeartbeat(), this.opts.heartbeatMs ?? 10_000)
  }

  private put(key: PresenceKey, state: unknown): void {
    this.peers.set(key, state)
    this.opts.onChange()
  }

  /** Some source still lists `key`: the tab channel (not timed out) or a server peer. */
  private held(key: PresenceKey): boolean {
    if (this.expiry.has(key)) return true
    for (const k of this.serverKeys.values()) if (k === key) return true
    return false
  }

  /** One source let go of `key`: drop it once no source lists it, so a tab seen twice never flickers. */
  private dropIfUnheld(key: PresenceKey): void {
    if (!this.held(key) && this.peers.delete(key)) this.opts.onChange()
  }
}
