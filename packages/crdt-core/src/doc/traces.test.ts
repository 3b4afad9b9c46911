import { describe, expect, it } from 'vitest'
import { listTraces, loadTrace, type ConcurrentTrace, type SequentialTrace } from '../test-support/traces.js'
import { Doc } from './doc.js'

/** Real editing traces (../shared/traces): every one must end with its endContent exactly. */

describe('sequential traces', () => {
  const names = listTraces('sequential')
  it('are present', () => expect(names.length).toBeGreaterThan(0))
  for (const name of names) {
    it(`${name}: local edits, remote replay and snapshot load all reach endContent`, () => {
      const trace = loadTrace<SequentialTrace>('sequential', name)
      const doc = new Doc()
      const text = doc.getText('text')
      const deltas: Uint8Array[] = []
      doc.on('delta', (d) => deltas.push(d))
      for (const { patches } of trace.txns) {
        doc.transact(() => {
          for (const [pos, del, ins] of patches) {
            if (del > 0) text.delete(pos, del)
            if (ins.length > 0) text.insert(pos, ins)
          }
        })
      }
      expect(text.toString()).toBe(trace.endContent)
      expect(deltas.length).toBe(trace.txns.length)

      const remote = new Doc()
      for (const d of deltas) remote.applyDelta(d)
      expect(remote.getText('text').toString()).toBe(trace.endContent)
      expect(remote.digest()).toBe(doc.digest())

      const loaded = Doc.load(doc.encodeState())
      expect(loaded.getText('text').toString()).toBe(trace.endContent)
      expect(loaded.digest()).toBe(doc.digest())
    }, 60_000)
  }
})

describe('concurrent traces', () => {
  for (const name of listTraces('concurrent')) {
    it(`${name}: one replica per agent, merged as the trace says, ends with endContent`, () => {
      const trace = loadTrace<ConcurrentTrace>('concurrent', name)
      const agents = Array.from({ length: trace.numAgents }, (_, i) => new Doc({ replicaId: 1000 + i }))
      // Per txn: the version (txns seen per agent) it was made at, and the delta it produced.
      const version: number[][] = []
      const deltaOf: Uint8Array[] = []
      const byAgent: number[][] = agents.map(() => [])
      const applied = agents.map(() => agents.map(() => 0))
      trace.txns.forEach((txn, i) => {
        const v = new Array<number>(trace.numAgents).fill(0)
        for (const p of txn.parents) version[p]!.forEach((n, a) => (v[a] = Math.max(v[a]!, n)))
        const doc = agents[txn.agent]!
        // Catch this agent up with the other agents' txns its parents include, in trace order
        // (parents come first there), so each delta arrives after what it builds on, as a sync
        // protocol delivers them: agent by agent, one agent's delta could need a later agent's.
        const missing: number[] = []
        for (let a = 0; a < agents.length; a++) {
          if (a === txn.agent) continue
          while (applied[txn.agent]![a]! < v[a]!) missing.push(byAgent[a]![applied[txn.agent]![a]!++]!)
        }
        for (const j of missing.sort((x, y) => x - y)) doc.applyDelta(deltaOf[j]!)
        const text = doc.getText('text')
        let delta: Uint8Array | undefined
        const off = doc.on('delta', (d) => (delta = d))
        doc.transact(() => {
          for (const [pos, del, ins] of txn.patches) {
            if (del > 0) text.delete(pos, del)
            if (ins.length > 0) text.insert(pos, ins)
          }
        })
        off()
        byAgent[txn.agent]!.push(i)
        applied[txn.agent]![txn.agent] = byAgent[txn.agent]!.length
        v[txn.agent] = byAgent[txn.agent]!.length
        version.push(v)
        deltaOf.push(delta ?? new Uint8Array())
      })
      // Final merge: everyone gets everything.
      for (let a = 0; a < agents.length; a++) {
        for (let b = 0; b < agents.length; b++) {
          if (a !== b) agents[a]!.applyDelta(agents[b]!.encodeDeltaSince(agents[a]!.versionVector()))
        }
      }
      for (const doc of agents) {
        expect(doc.pendingCount).toBe(0)
        expect(doc.getText('text').toString()).toBe(trace.endContent)
      }
      expect(new Set(agents.map((d) => d.digest())).size).toBe(1)
    }, 60_000)
  }
})
