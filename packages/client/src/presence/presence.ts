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
  publishToTabs(state: unknown, serverPeerId: number | undefined): void
  /** Our presence's id on the server while connected: sent to tabs so they show us once ([CLIENT-PRES-5]). */
  serverPeerId?(): number | undefined
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
 *
 * A tab beside us reaches us twice, over BroadcastChannel and through the
 * server; it names its server peer id, and `others` shows it once, as
 * `tab:` (the faster path) ([CLIENT-PRES-5]).
 */
export class Presence {
  private mine: unknown = null
  private lastSent = -Infinity
  private trailing: unknown
  private heartbeat: unknown
  private readonly peers = new Map<PresenceKey, unknown>()
  private readonly expiry = new Map<PresenceKey, unknown>()
  /** Server peer ids that tabs beside us said are theirs. */
  private readonly tabPeers = new Map<number, number>()
  /** Server peer ids of tabs that just left: hidden until the server says they left too, or they time out. */
  private readonly departed = new Map<number, unknown>()
  private visible: ReadonlyMap<PresenceKey, unknown> | undefined
  private sentPeer: number | undefined
  private closed = false

  constructor(private readonly opts: PresenceOptions) {}

  /** Everyone else's current state, each participant once. */
  get others(): ReadonlyMap<PresenceKey, unknown> {
    if (this.visible) return this.visible
    const hidden = new Set([...this.tabPeers.values(), ...this.departed.keys()])
    this.visible = hidden.size === 0 ? this.peers : new Map([...this.peers].filter(([k]) => !(k.startsWith('peer:') && hidden.has(Number(k.slice(5))))))
    return this.visible
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
    if (this.mine !== null && !this.closed) this.toTabs(this.mine)
  }

  /**
   * Our server peer id may have changed (a new connection): tell the tabs, so
   * they keep showing us once. Offline we keep naming the last one: peer ids are
   * never reused ([PRES-6]), and the server relays that it left.
   */
  serverPeerChanged(): void {
    const peer = this.opts.serverPeerId?.()
    if (peer !== undefined && peer !== this.sentPeer) this.resendToTabs()
  }

  /** A tab said hello with a state (or left with null); `peer` is its own id on the server, if connected. */
  fromTab(tab: number, state: unknown, peer?: number): void {
    const had = this.tabPeers.get(tab)
    if (state === null || state === undefined || peer === undefined) this.tabPeers.delete(tab)
    else this.tabPeers.set(tab, peer)
    // Its old server entry (it left, or reconnected under a new id) may still arrive or linger: keep it hidden.
    if (had !== undefined && had !== this.tabPeers.get(tab)) this.hideDeparted(had)
    if (had !== this.tabPeers.get(tab)) this.visible = undefined
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
    for (const p of [...this.departed.keys()]) this.forgetDeparted(p)
    if (changed) this.changed()
  }

  /** Announce that we left, and stop timers. */
  close(): void {
    if (this.closed) return
    this.closed = true
    const { timers } = this.opts
    timers.clearTimeout(this.trailing)
    timers.clearTimeout(this.heartbeat)
    for (const t of this.expiry.values()) timers.clearTimeout(t)
    for (const t of this.departed.values()) timers.clearTimeout(t)
    if (this.mine !== null) {
      this.toTabs(null)
      this.opts.publishToServer(null)
    }
  }

  private publish(): void {
    const { timers } = this.opts
    this.lastSent = timers.now()
    this.toTabs(this.mine)
    this.opts.publishToServer(this.mine)
    timers.clearTimeout(this.heartbeat)
    if (this.mine === null) return
    this.heartbeat = timers.setTimeout(() => !this.closed && this.publishHeartbeat(), this.opts.heartbeatMs ?? 10_000)
  }

  private toTabs(state: unknown): void {
    this.sentPeer = this.opts.serverPeerId?.() ?? this.sentPeer
    this.opts.publishToTabs(state, this.sentPeer)
  }

  private publishHeartbeat(): void {
    this.toTabs(this.mine)
    this.heartbeat = this.opts.timers.setTimeout(() => !this.closed && this.publishHeartbeat(), this.opts.heartbeatMs ?? 10_000)
  }

  private update(key: PresenceKey, state: unknown, expires: boolean): void {
    if (this.closed) return
    const { timers } = this.opts
    timers.clearTimeout(this.expiry.get(key))
    this.expiry.delete(key)
    if (state === null || state === undefined) {
      if (key.startsWith('peer:')) this.forgetDeparted(Number(key.slice(5)))
      if (this.peers.delete(key)) this.changed()
      return
    }
    this.peers.set(key, state)
    if (expires)
      this.expiry.set(
        key,
        timers.setTimeout(() => {
          this.expiry.delete(key)
          if (key.startsWith('tab:')) this.tabPeers.delete(Number(key.slice(4)))
          if (this.peers.delete(key)) this.changed()
        }, this.opts.timeoutMs ?? 30_000),
      )
    this.changed()
  }

  private forgetDeparted(peer: number): void {
    this.opts.timers.clearTimeout(this.departed.get(peer))
    this.departed.delete(peer)
  }

  private hideDeparted(peer: number): void {
    const { timers } = this.opts
    timers.clearTimeout(this.departed.get(peer))
    this.departed.set(
      peer,
      timers.setTimeout(() => {
        if (this.departed.delete(peer)) this.changed()
      }, this.opts.timeoutMs ?? 30_000),
    )
  }

  private changed(): void {
    this.visible = undefined
    this.opts.onChange()
  }
}
