import { vvToJson } from '../store/dot-ranges.js'
import type { VersionVector } from '../store/store.js'
import type { BridgeStatus } from './region-bridge.js'
import type { RegionHead } from './region-heads.js'
import type { RegionPeer } from './region-options.js'
import { type SinceAnswer, decodeSinceAnswer } from './region-wire.js'
import { vvFromJson } from '../store/dot-ranges.js'

/** Heads a peer reported: the changed ones since `token`, or all of them (`full`). */
export interface HeadsAnswer {
  readonly token: string
  readonly full: boolean
  readonly heads: ReadonlyMap<string, RegionHead>
}

/** Bytes received from a peer, for `weft_region_bytes_in_total`. */
export type CountBytes = (peer: string, kind: 'heads' | 'since' | 'head' | 'status', n: number) => void

/** A region's links to its peers as it sees them (`GET /regions/status`). */
export interface PeerLinks {
  readonly region: string
  readonly links: readonly BridgeStatus[]
}

/** HTTP calls to one peer region with the shared service credential. */
export class PeerClient {
  constructor(
    readonly peer: RegionPeer,
    private readonly o: { readonly self: string; readonly secret: string; readonly count: CountBytes },
  ) {}

  /** Long poll: resolves when the peer's heads changed since `token` (or after `waitMs` with nothing). */
  async heads(token: string | undefined, waitMs: number, signal: AbortSignal): Promise<HeadsAnswer> {
    const q = new URLSearchParams({ waitMs: String(waitMs), ...(token !== undefined && { since: token }) })
    const body = await this.get(`/regions/heads?${q}`, 'heads', waitMs + 10_000, signal)
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { token: string; full: boolean; heads: [string, number, string][] }
    return { token: parsed.token, full: parsed.full, heads: new Map(parsed.heads.map(([d, seq, vv]) => [d, { seq, vv: vvFromJson(vv) }])) }
  }

  /** What the peer has of `doc` beyond `vv`. */
  async since(doc: string, vv: VersionVector, signal: AbortSignal): Promise<SinceAnswer> {
    const q = new URLSearchParams({ doc, vv: vvToJson(vv) })
    return decodeSinceAnswer(await this.get(`/regions/since?${q}`, 'since', 30_000, signal))
  }

  /** The peer's durable head of one doc (levels). */
  async head(doc: string, signal: AbortSignal): Promise<RegionHead> {
    const body = await this.get(`/regions/head?${new URLSearchParams({ doc })}`, 'head', 5_000, signal)
    const h = JSON.parse(new TextDecoder().decode(body)) as { seq: number; vv: string }
    return { seq: h.seq, vv: vvFromJson(h.vv) }
  }

  /** The peer's own view of its links (dashboard); a short timeout, so a hung peer shows as unreachable. */
  async status(signal: AbortSignal): Promise<PeerLinks> {
    const body = await this.get('/regions/status', 'status', 1_500, signal)
    return JSON.parse(new TextDecoder().decode(body)) as PeerLinks
  }

  private async get(path: string, kind: 'heads' | 'since' | 'head' | 'status', timeoutMs: number, signal: AbortSignal): Promise<Uint8Array> {
    const res = await fetch(`${this.peer.url}${path}`, {
      headers: { authorization: `Bearer ${this.o.secret}`, 'x-weft-region': this.o.self },
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    })
    const body = new Uint8Array(await res.arrayBuffer())
    if (!res.ok) throw new Error(`region ${this.peer.name} answered ${res.status} to ${path.split('?')[0]}: ${new TextDecoder().decode(body).slice(0, 200)}`)
    this.o.count(this.peer.name, kind, body.length)
    return body
  }
}
