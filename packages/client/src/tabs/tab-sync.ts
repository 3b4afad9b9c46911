import { ownBuffer } from '../bytes.js'
import { covers, type ReplicaDoc } from '../replica-doc.js'
import type { TabChannel } from './tab-channel.js'
import { isTabMessage, toNumericVV, type TabMessage } from './tab-messages.js'

/** Most bytes of other tabs' deltas kept while the doc loads; past it they are dropped and the hello after the load asks for them. */
const MAX_EARLY_BYTES = 8 << 20

/** Origin passed to `applyDelta` for deltas from another tab. */
export const TAB_ORIGIN = Symbol('weft:tab')

export interface TabSyncOptions {
  channel: TabChannel
  doc: ReplicaDoc
  /** Another tab's presence changed (`null`: it left); `peer` is its id on the server, if connected. */
  onPresence?(tab: number, state: unknown, peer: number | undefined): void
  /** Another tab opened the doc (so it does not know our presence yet). */
  onPeerJoined?(tab: number): void
  /** A delta from another tab could not be applied (bad bytes); the tab resyncs. */
  onError?(error: unknown): void
  /**
   * A delta from another tab was joined into the doc (to be stored: see {@link TabSync});
   * `upload`: its writer is not syncing with the server, so this tab should send it if it is ([CLIENT-TAB-6]).
   */
  onApplied?(bytes: Uint8Array, upload: boolean): void
  /** A delta from another tab lacked its causal past here and was dropped; peers were asked for it ([CLIENT-TAB-8]). */
  onGap?(): void
}

/**
 * Shares one doc's deltas with the other tabs of this origin, online or not.
 * Tabs are told apart by their Doc's replica id (each Doc instance draws its
 * own). A tab that opens late loads from storage, then says hello with its
 * version vector; each peer answers with exactly what it lacks.
 *
 * A tab sends its edits before they are stored, so each tab stores what it
 * joins from another ([CLIENT-TAB-5]): its own later edits, which may depend
 * on those, are written after them (its writes are in order), and so never
 * reach storage without what they depend on if the other tab dies first.
 */
export class TabSync {
  private readonly off: () => void
  private readonly opts: TabSyncOptions
  private closed = false
  /** `hello` was sent once (after the load): until then a gap is expected, the load may fill it. */
  private greeted = false
  /** Deltas with a gap that came before the load, retried once it is done (bounded by {@link MAX_EARLY_BYTES}). */
  private early: { bytes: Uint8Array; upload: boolean }[] = []
  private earlyBytes = 0
  /** This tab's vector when it last asked for a gap: asking again before it moves would bring nothing new. */
  private askedAt: string | undefined

  constructor(opts: TabSyncOptions) {
    this.opts = opts
    this.off = opts.channel.onMessage((m) => this.receive(m))
  }

  private get me(): number {
    return this.opts.doc.replicaId
  }

  /** Ask peers for what this tab lacks (call once loaded from storage). */
  hello(): void {
    this.greeted = true
    this.post({ type: 'hello', from: this.me, vv: this.opts.doc.versionVector() })
    const early = this.early
    this.early = []
    this.earlyBytes = 0
    for (const e of early) this.apply(e.bytes, e.upload, true)
  }

  /** Send a delta to every other tab at once; `upload` when this tab cannot send it to the server now ([CLIENT-TAB-6]). */
  broadcast(bytes: Uint8Array, upload = false): void {
    this.post({ type: 'delta', from: this.me, bytes: ownBuffer(bytes), ...(upload && { upload }) })
  }

  /** Publish this tab's presence (`null`: left), with its id on the server when connected ([CLIENT-PRES-5]). */
  presence(state: unknown, peer?: number): void {
    this.post({ type: 'presence', from: this.me, state, ...(peer !== undefined && { peer }) })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.off()
    this.opts.channel.close()
  }

  private post(m: TabMessage): void {
    if (!this.closed) this.opts.channel.post(m)
  }

  private receive(m: unknown): void {
    if (this.closed || !isTabMessage(m) || m.from === this.me) return
    const doc = this.opts.doc
    switch (m.type) {
      case 'delta':
        this.apply(m.bytes, m.upload === true, true)
        return
      case 'hello': {
        const theirs = toNumericVV(m.vv)
        const mine = doc.versionVector()
        this.post({
          type: 'sync',
          from: this.me,
          to: m.from,
          vv: mine,
          ...(!covers(theirs, mine) && { bytes: doc.encodeDeltaSince(theirs) }),
        })
        this.opts.onPeerJoined?.(m.from)
        return
      }
      case 'sync': {
        if (m.to !== this.me) return
        if (m.bytes) this.apply(m.bytes, false, false)
        const theirs = toNumericVV(m.vv)
        const mine = doc.versionVector()
        if (!covers(theirs, mine)) this.post({ type: 'delta', from: this.me, bytes: doc.encodeDeltaSince(theirs) })
        return
      }
      case 'presence':
        this.opts.onPresence?.(m.from, m.state, m.peer)
        return
    }
  }

  /** [CLIENT-TAB-8] One `hello` per state of this tab: every peer answers it with all this tab lacks. */
  private askForGap(): void {
    const at = JSON.stringify(this.opts.doc.versionVector())
    if (at === this.askedAt) return
    this.askedAt = at
    this.hello()
    this.opts.onGap?.()
  }

  /**
   * Joins another tab's delta. `gapAsks`: a delta whose causal past is missing here is
   * dropped and the peers are asked for everything this tab lacks ([CLIENT-TAB-8]); a
   * `sync` reply is built against this tab's own vector, so it is joined as it is.
   */
  private apply(bytes: Uint8Array, upload: boolean, gapAsks: boolean): void {
    try {
      if (gapAsks && !this.opts.doc.applyDeltaIfReady(bytes, TAB_ORIGIN)) {
        if (this.greeted) this.askForGap()
        else if (this.earlyBytes + bytes.length <= MAX_EARLY_BYTES) {
          // Its past may be on the disk the load is still reading (its writer stored it, then posted it).
          this.early.push({ bytes, upload })
          this.earlyBytes += bytes.length
        }
        return
      }
      if (!gapAsks) this.opts.doc.applyDelta(bytes, TAB_ORIGIN)
      this.opts.onApplied?.(bytes, upload)
    } catch (e) {
      // Bad bytes or a full causal buffer: report, then ask peers for a clean catch-up.
      this.opts.onError?.(e)
      this.hello()
    }
  }
}
