import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Bus, CommittedDelta, HeadsBeat } from './bus.js'

/** Two nodes' endpoints on one fresh bus (its own subjects, so runs never meet). */
export interface BusPair {
  readonly a: Bus
  readonly b: Bus
  cleanup?(): Promise<void>
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 5))
  }
}

/**
 * What every {@link Bus} must do: deliver a node's committed deltas to the
 * other nodes watching the doc (never back to itself, never to a node that
 * does not watch it) and its beats to every other node.
 */
export function runBusContract(name: string, makePair: () => Promise<BusPair>): void {
  describe(`Bus contract: ${name}`, () => {
    let pair: BusPair
    let got: { a: CommittedDelta[]; b: CommittedDelta[]; beats: HeadsBeat[] }
    beforeEach(async () => {
      pair = await makePair()
      got = { a: [], b: [], beats: [] }
      pair.a.listen({ delta: (e) => got.a.push(e), beat: () => {}, resumed: () => {} })
      pair.b.listen({ delta: (e) => got.b.push(e), beat: (b) => got.beats.push(b), resumed: () => {} })
    })
    afterEach(async () => {
      await pair.a.close()
      await pair.b.close()
      await pair.cleanup?.()
    })

    const delta = (doc: string, seq: number): CommittedDelta => ({ doc, seq, delta: new Uint8Array([seq, 1, 2]), node: 'a', sentAt: Date.now() })

    it('delivers a committed delta, bytes and seq intact, to a node watching the doc, and not back to its publisher', async () => {
      await pair.a.watch('d')
      await pair.b.watch('d')
      pair.a.publish(delta('d', 7))
      await until(() => got.b.length === 1)
      expect(got.b[0]).toMatchObject({ doc: 'd', seq: 7, node: 'a' })
      expect(Array.from(got.b[0]?.delta ?? [])).toEqual([7, 1, 2])
      await new Promise((r) => setTimeout(r, 50))
      expect(got.a).toEqual([])
    })

    it('delivers only the docs a node watches, until it stops watching', async () => {
      await pair.b.watch('x')
      pair.a.publish(delta('y', 1))
      pair.a.publish(delta('x', 1))
      await until(() => got.b.length === 1)
      pair.b.unwatch('x')
      await new Promise((r) => setTimeout(r, 50))
      pair.a.publish(delta('x', 2))
      await new Promise((r) => setTimeout(r, 100))
      expect(got.b.map((e) => `${e.doc}${e.seq}`)).toEqual(['x1'])
    })

    it('delivers beats to the other nodes', async () => {
      pair.a.publishBeat({ node: 'a', sentAt: 1, heads: [{ doc: 'd', seq: 3 }] })
      await until(() => got.beats.length === 1)
      expect(got.beats[0]).toMatchObject({ node: 'a', heads: [{ doc: 'd', seq: 3 }] })
    })
  })
}
