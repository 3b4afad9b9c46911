import { Readable } from 'node:stream'
import { createInflateRaw } from 'node:zlib'
import { vvToJson } from '../store/dot-ranges.js'
import type { VersionVector } from '../store/store.js'
import type { StoredDigest } from './doc-digests.js'
import type { BridgeStatus } from './region-bridge.js'
import { type HeadsFrame, HeadsFrameDecoder } from './heads-stream.js'
import type { RegionHead } from './region-heads.js'
import type { RegionPeer } from './region-options.js'
import { type SinceAnswer, decodeSinceAnswer } from './region-wire.js'
import { vvFromJson } from '../store/dot-ranges.js'

/** Bytes received from a peer, for `weft_region_bytes_in_total`. */
export type CountBytes = (peer: string, kind: PeerRequestKind, n: number) => void

/** What a request to a peer is for (a label on the bytes counters). */
export type PeerRequestKind = 'heads' | 'since' | 'head' | 'digests' | 'state' | 'status'

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

  /**
   * Reads the peer's heads stream for up to `waitMs` ([REGION-1]), calling
   * `onFrame` for each frame in order (the next is read once it resolved).
   * Rejects when the peer sends nothing, keep-alives included, for
   * `idleMs` (a cut link drops packets silently), or on any failure.
   */
  async headsStream(
    token: string | undefined,
    waitMs: number,
    signal: AbortSignal,
    onFrame: (frame: HeadsFrame) => Promise<void>,
    idleMs = 3_000,
  ): Promise<void> {
    const idle = new AbortController()
    let timer = setTimeout(() => idle.abort(new Error(`region ${this.peer.name} sent nothing for ${idleMs} ms`)), idleMs)
    const touch = () => {
      clearTimeout(timer)
      timer = setTimeout(() => idle.abort(new Error(`region ${this.peer.name} sent nothing for ${idleMs} ms`)), idleMs)
    }
    try {
      const q = new URLSearchParams({ waitMs: String(waitMs), ...(token !== undefined && { since: token }) })
      const res = await fetch(`${this.peer.url}/regions/heads?${q}`, {
        headers: { authorization: `Bearer ${this.o.secret}`, 'x-weft-region': this.o.self },
        signal: AbortSignal.any([signal, idle.signal]),
      })
      if (!res.ok || !res.body) throw new Error(`region ${this.peer.name} answered ${res.status} to /regions/heads: ${(await res.text()).slice(0, 200)}`)
      const source = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)
      const inflate = createInflateRaw()
      source.on('data', (chunk: Buffer) => {
        touch()
        this.o.count(this.peer.name, 'heads', chunk.length)
      })
      source.on('error', (error) => inflate.destroy(error))
      source.pipe(inflate)
      const decoder = new HeadsFrameDecoder()
      for await (const out of inflate) {
        for (const frame of decoder.push(out as Buffer)) await onFrame(frame)
      }
    } finally {
      clearTimeout(timer)
    }
  }

  /** What the peer has of `doc` beyond `vv`. */
  async since(doc: string, vv: VersionVector, signal: AbortSignal): Promise<SinceAnswer> {
    const q = new URLSearchParams({ doc, vv: vvToJson(vv) })
    return decodeSinceAnswer(await this.get(`/regions/since?${q}`, 'since', 30_000, signal))
  }

  /**
   * The peer's durable head of one doc (levels). With `covers`, the peer
   * holds the request until its head covers that version vector or `waitMs`
   * passed, so a level costs one round trip per region, not a poll per 20 ms.
   */
  async head(doc: string, signal: AbortSignal, covers?: { readonly vv: VersionVector; readonly waitMs: number }): Promise<RegionHead> {
    const q = new URLSearchParams({ doc, ...(covers && { covers: vvToJson(covers.vv), waitMs: String(covers.waitMs) }) })
    const body = await this.get(`/regions/head?${q}`, 'head', 5_000 + (covers?.waitMs ?? 0), signal)
    const h = JSON.parse(new TextDecoder().decode(body)) as { seq: number; vv: string }
    return { seq: h.seq, vv: vvFromJson(h.vv) }
  }

  /** The peer's own view of its links (dashboard); a short timeout, so a hung peer shows as unreachable. */
  async status(signal: AbortSignal): Promise<PeerLinks> {
    const body = await this.get('/regions/status', 'status', 1_500, signal)
    return JSON.parse(new TextDecoder().decode(body)) as PeerLinks
  }

  /** The peer's stored digests of `docs` at the version vectors given; a doc whose head moved since is left out. */
  async digests(docs: readonly (readonly [string, VersionVector])[], signal: AbortSignal): Promise<Map<string, StoredDigest>> {
    const body = JSON.stringify({ docs: docs.map(([d, vv]) => [d, vvToJson(vv)]) })
    const res = await this.get('/regions/digests', 'digests', 60_000, signal, body)
    const parsed = JSON.parse(new TextDecoder().decode(res)) as { digests: [string, number, string, string][] }
    return new Map(parsed.digests.map(([d, seq, vv, digest]) => [d, { seq, vv: vvFromJson(vv), digest }]))
  }

  /** The peer's whole state of `doc` as its store replays it (the full state exchange that heals a divergence). */
  async state(doc: string, signal: AbortSignal): Promise<Uint8Array> {
    return this.get(`/regions/state?${new URLSearchParams({ doc })}`, 'state', 60_000, signal)
  }

  private async get(path: string, kind: PeerRequestKind, timeoutMs: number, signal: AbortSignal, post?: string): Promise<Uint8Array> {
    const res = await fetch(`${this.peer.url}${path}`, {
      headers: { authorization: `Bearer ${this.o.secret}`, 'x-weft-region': this.o.self, ...(post !== undefined && { 'content-type': 'application/json' }) },
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      ...(post !== undefined && { method: 'POST', body: post }),
    })
    const body = new Uint8Array(await res.arrayBuffer())
    if (!res.ok) throw new Error(`region ${this.peer.name} answered ${res.status} to ${path.split('?')[0]}: ${new TextDecoder().decode(body).slice(0, 200)}`)
    this.o.count(this.peer.name, kind, body.length)
    return body
  }
}
