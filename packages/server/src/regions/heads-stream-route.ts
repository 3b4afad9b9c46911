import { constants, createDeflateRaw } from 'node:zlib'
import type { Store } from '../store/store.js'
import { HeadsFrameEncoder, type StreamHead } from './heads-stream.js'
import type { RegionHead } from './region-heads.js'
import type { RecentImports } from './recent-imports.js'

/** An idle stream still sends an empty frame this often, so the asker tells a quiet peer from a cut link. */
export const KEEPALIVE_MS = 1_000
/** A move of more deltas (or bytes) than this is told as a head only; the asker pulls it with `since`. */
const MAX_INLINE_DELTAS = 64
const MAX_INLINE_BYTES = 256 * 1024

/**
 * The body of `GET /regions/heads`: for `waitMs`, every `checkMs` the
 * region's heads are read (one statement shared by every open stream) and
 * the docs that moved since the last frame are sent, with the move's deltas
 * inline when the asker cannot have them otherwise (this region's own
 * writes; never deltas imported from the asker). The first frame answers
 * relative to `told` (a resume token's heads), or is a full list of heads
 * when there is none. The last frame carries a token to resume from. Frames
 * go through one raw-deflate stream flushed per frame, so repeated doc
 * names, replica ids and delta headers cost little; an idle stream sends a
 * keep-alive every {@link KEEPALIVE_MS}.
 */
export function headsStream(o: {
  readonly asker: string
  readonly told: ReadonlyMap<string, number> | undefined
  readonly waitMs: number
  readonly heads: () => Promise<Map<string, RegionHead>>
  readonly checkMs: number
  readonly store: Store
  readonly imports: RecentImports
  readonly remember: (heads: ReadonlyMap<string, number>) => string
  readonly countOut: (bytes: number) => void
}): ReadableStream<Uint8Array> {
  const encoder = new HeadsFrameEncoder()
  const deflate = createDeflateRaw({ level: 6 })
  let closed = false
  const send = (frame: Parameters<HeadsFrameEncoder['encode']>[0]) =>
    new Promise<void>((resolve) => {
      deflate.write(encoder.encode(frame))
      deflate.flush(constants.Z_SYNC_FLUSH, () => resolve())
    })

  const entry = async (doc: string, h: RegionHead, toldSeq: number | undefined): Promise<StreamHead | undefined> => {
    const headOnly: StreamHead = { doc, seq: h.seq, vv: h.vv, deltas: [] }
    if (toldSeq === undefined || h.seq <= toldSeq || h.seq - toldSeq > MAX_INLINE_DELTAS) return headOnly
    const tail = (await o.store.readAfterSeq(doc, toldSeq)).filter((x) => x.seq <= h.seq)
    // A gap (compaction folded part of the move into a snapshot): the asker pulls it.
    if (tail.length !== h.seq - toldSeq) return headOnly
    const deltas: Uint8Array[] = []
    let viaOthers = false
    let bytes = 0
    for (const x of tail) {
      const from = o.imports.origin(doc, x.seq)
      if (from === o.asker) continue
      if (from !== undefined) {
        // From a third region: the asker most likely has it from there; it compares the vv and pulls if not.
        viaOthers = true
        continue
      }
      deltas.push(x.bytes)
      bytes += x.bytes.length
    }
    if (bytes > MAX_INLINE_BYTES) return headOnly
    if (!viaOthers && deltas.length === 0) return undefined
    return { doc, seq: h.seq, vv: viaOthers ? h.vv : undefined, deltas }
  }

  const run = async () => {
    let told = o.told
    const deadline = Date.now() + o.waitMs
    let lastSent = 0
    let first = true
    while (!closed) {
      const now = await o.heads()
      const moved = [...now].filter(([doc, h]) => told?.get(doc) !== h.seq)
      const frame: StreamHead[] = []
      for (const [doc, h] of moved) {
        const e = await entry(doc, h, told?.get(doc))
        if (e) frame.push(e)
      }
      if (closed) return
      if (first || frame.length > 0 || Date.now() - lastSent >= KEEPALIVE_MS) {
        await send({ full: first && o.told === undefined, heads: frame, token: undefined })
        lastSent = Date.now()
      }
      first = false
      told = new Map([...now].map(([doc, h]) => [doc, h.seq]))
      if (Date.now() >= deadline) break
      await new Promise((r) => setTimeout(r, o.checkMs))
    }
    if (closed) return
    await send({ full: false, heads: [], token: o.remember(told ?? new Map()) })
    deflate.end()
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      deflate.on('data', (chunk: Buffer) => {
        o.countOut(chunk.length)
        if (!closed) controller.enqueue(new Uint8Array(chunk))
      })
      deflate.on('end', () => {
        if (!closed) controller.close()
      })
      deflate.on('error', (error) => {
        if (!closed) controller.error(error)
      })
      run().catch((error: unknown) => {
        closed = true
        deflate.destroy()
        controller.error(error)
      })
    },
    cancel() {
      closed = true
      deflate.destroy()
    },
  })
}
