import { describe, expect, it } from 'vitest'
import type { Container } from '../containers/container.js'
import { Rng, seeds } from '../test-support/rng.js'
import { Doc } from './doc.js'

/**
 * Seeded convergence: 3 to 8 replicas edit text, lists, maps, counters and
 * nested containers concurrently; deltas are reordered, duplicated and
 * dropped, then repaired with encodeDeltaSince. Every replica must end with
 * the same JSON and digest, every surviving typed character exactly once and
 * no deleted character back, and each replica's state must load into the
 * same document. Replay one schedule with WEFT_SEED=<seed>.
 */

const SCHEDULES = Number(process.env['WEFT_CONVERGENCE_SCHEDULES'] ?? 2000)

interface World {
  rng: Rng
  docs: Doc[]
  inflight: { to: number; bytes: Uint8Array }[]
  inserted: Set<string>
  deleted: Set<string>
  nextChar: number
}

function reachable(doc: Doc): Container[] {
  const out: Container[] = [doc.getText('t'), doc.getList('l'), doc.getMap('m'), doc.getCounter('c')]
  const visit = (c: Container, depth: number): void => {
    if (depth > 2) return
    const children: unknown[] = c.kind === 'map' ? c.keys().map((k) => c.get(k)) : c.kind === 'list' ? c.toArray() : []
    for (const v of children) {
      if (typeof v === 'object' && v !== null && 'kind' in v) {
        out.push(v as Container)
        visit(v as Container, depth + 1)
      }
    }
  }
  visit(out[1]!, 0)
  visit(out[2]!, 0)
  return out
}

function freshChars(w: World, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) {
    const ch = String.fromCharCode(0x4e00 + w.nextChar++)
    w.inserted.add(ch)
    s += ch
  }
  return s
}

function randomEdit(w: World, doc: Doc): void {
  const { rng } = w
  const containers = reachable(doc)
  const c = rng.chance(0.4) ? containers[0]! : rng.pick(containers)
  const isRootText = c === doc.getText('t')
  switch (c.kind) {
    case 'text': {
      if (c.length > 0 && rng.chance(0.35)) {
        const i = rng.int(c.length)
        const n = 1 + rng.int(Math.min(4, c.length - i))
        if (isRootText) for (const ch of c.toString().slice(i, i + n)) w.deleted.add(ch)
        c.delete(i, n)
      } else {
        const s = isRootText ? freshChars(w, 1 + rng.int(3)) : 'xyz'.slice(0, 1 + rng.int(3))
        c.insert(rng.int(c.length + 1), s)
      }
      return
    }
    case 'list': {
      const r = rng.next()
      if (c.length > 0 && r < 0.3) c.delete(rng.int(c.length), 1)
      else if (r < 0.45) c.insertContainer(rng.int(c.length + 1), rng.pick(['map', 'list', 'text', 'counter'] as const))
      else c.insert(rng.int(c.length + 1), rng.int(100), rng.pick([null, 'v', { k: [1, true] }]))
      return
    }
    case 'map': {
      const key = rng.pick(['a', 'b', 'c', '__proto__', 'constructor'])
      const r = rng.next()
      if (r < 0.2) c.delete(key)
      else if (r < 0.4) c.setContainer(key, rng.pick(['map', 'list', 'text', 'counter'] as const))
      else c.set(key, rng.pick([rng.int(1000), 'str', null, [1, 2], { nested: { deep: true } }]))
      return
    }
    case 'counter':
      c.increment(rng.int(11) - 5 || 1)
      return
  }
}

function deliver(w: World, i: number): void {
  const [m] = w.inflight.splice(i, 1)
  w.docs[m!.to]!.applyDelta(m!.bytes)
}

function runSchedule(seed: number): void {
  const rng = new Rng(seed)
  const n = 3 + rng.int(6)
  const w: World = { rng, docs: [], inflight: [], inserted: new Set(), deleted: new Set(), nextChar: 0 }
  const dropRate = rng.next() * 0.3
  // Half the schedules keep almost no delete history, so repairs go through
  // the every-tombstone path as well as the exact one.
  const maxDeleteLog = rng.chance(0.5) ? 1 : 4096
  for (let i = 0; i < n; i++) {
    const doc = new Doc({ replicaId: 1 + rng.int(2 ** 40) + i * 2 ** 41, maxDeleteLog })
    doc.on('delta', (bytes) => {
      for (let to = 0; to < n; to++) {
        if (to === i || rng.chance(dropRate)) continue
        w.inflight.push({ to, bytes })
        if (rng.chance(0.1)) w.inflight.push({ to, bytes })
      }
    })
    w.docs.push(doc)
  }
  const steps = 20 + rng.int(60)
  for (let s = 0; s < steps; s++) {
    if (w.inflight.length > 0 && rng.chance(0.4)) {
      deliver(w, rng.int(w.inflight.length))
      continue
    }
    const doc = rng.pick(w.docs)
    if (rng.chance(0.2))
      doc.transact(() => {
        for (let k = 1 + rng.int(3); k > 0; k--) randomEdit(w, doc)
      })
    else randomEdit(w, doc)
  }
  while (w.inflight.length > 0) deliver(w, rng.int(w.inflight.length))

  // Repair what was dropped: anti-entropy from every replica to every other.
  for (let round = 0; round < 2; round++) {
    for (const from of w.docs) for (const to of w.docs) if (from !== to) to.applyDelta(from.encodeDeltaSince(to.versionVector()))
  }

  const json = w.docs[0]!.toJSON()
  const digest = w.docs[0]!.digest()
  for (const d of w.docs) {
    expect(d.pendingCount).toBe(0)
    expect(d.toJSON()).toEqual(json)
    expect(d.digest()).toBe(digest)
    // Each replica's own state loads into the same document.
    expect(Doc.load(d.encodeState()).digest()).toBe(digest)
  }
  const text = w.docs[0]!.getText('t').toString()
  const chars = [...text]
  expect(new Set(chars).size).toBe(chars.length) // nothing twice
  for (const ch of chars) expect(w.deleted.has(ch)).toBe(false) // nothing deleted comes back
  for (const ch of w.inserted) if (!w.deleted.has(ch)) expect(text.includes(ch)).toBe(true) // nothing lost
}

describe('convergence under reordered, duplicated and dropped deltas', () => {
  it(
    `${SCHEDULES} seeded schedules of 3-8 replicas converge`,
    () => {
      for (const seed of seeds(SCHEDULES)) {
        try {
          runSchedule(seed)
        } catch (e) {
          throw new Error(`schedule failed; replay with WEFT_SEED=${seed} pnpm vitest run packages/crdt-core/src/doc/convergence.test.ts\n${String(e)}`, {
            cause: e,
          })
        }
      }
    },
    Math.max(120_000, SCHEDULES * 10),
  )
})
