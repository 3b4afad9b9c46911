import { Doc } from '../../doc/doc.js'
import { Writer } from '../../encoding/index.js'
import type { Rng } from '../rng.js'
import {
  KIND,
  containerEntry,
  deflatedState,
  header,
  hugeKeyDeflatedState,
  manyEmptyContainersDelta,
  mapKeyDelta,
  nestedId,
  nestedMapsDelta,
  rootMapId,
  zeroBomb,
} from './craft.js'

/**
 * Structure-aware hostile inputs for decoders: what a hostile or careless
 * client could send, shaped like real deltas so they get past the first
 * checks and reach the deep ones. Every generator is a function of a seeded
 * `Rng`, so a failure replays from its seed. Sizes stay small enough for CI
 * (a few MB at most); `scale` grows them for soak runs.
 */
export interface HostileInput {
  /** Which generator made it, for the failure message. */
  kind: string
  bytes: Uint8Array
}

type Generator = (rng: Rng, scale: number) => Uint8Array

/** An honest delta or state from random edits: the base the mutators start from. */
function honest(rng: Rng): Uint8Array {
  const doc = new Doc({ replicaId: 1 + rng.int(1000) })
  const deltas: Uint8Array[] = []
  doc.on('delta', (d) => deltas.push(d))
  const map = doc.getMap('m')
  const text = doc.getText('t')
  const list = doc.getList('l')
  let nested = map
  for (let i = 0; i < 1 + rng.int(12); i++) {
    const op = rng.int(7)
    if (op === 0) map.set(`k${rng.int(5)}`, rng.chance(0.5) ? rng.int(100) : { a: [1, 'x', null] })
    else if (op === 1) text.insert(rng.int(text.length + 1), rng.pick(['a', 'héllo', '\uFEFF', '😀', 'xyz']))
    else if (op === 2 && text.length > 0) text.delete(rng.int(text.length), 1)
    else if (op === 3) list.push(rng.int(10))
    else if (op === 4) nested = nested.setContainer('n', rng.pick(['map', 'map', 'list'] as const)) as typeof map
    else if (op === 5 && text.length > 1) {
      // A move: its delta is format v3, so mutators reach the moves section too.
      const at = rng.int(text.length)
      const len = 1 + rng.int(text.length - at)
      const to = rng.int(text.length + 1)
      if (to <= at || to >= at + len) text.move(at, len, to)
    } else doc.getCounter('c').increment(rng.int(5) - 2)
    if (nested.kind !== 'map') nested = map
  }
  if (rng.chance(0.3)) {
    const big = doc.getText('big')
    big.insert(0, 'z'.repeat(1200 + rng.int(3000)))
  }
  return rng.chance(0.4) || deltas.length === 0 ? doc.encodeState() : rng.pick(deltas)
}

const generators: Record<string, Generator> = {
  honest: (rng) => honest(rng),
  deepNesting: (rng, scale) => nestedMapsDelta(200 + rng.int(3000 * scale), { state: rng.chance(0.5) }),
  manyContainers: (rng, scale) => manyEmptyContainersDelta(1000 + rng.int(20_000 * scale)),
  hugeKey: (rng, scale) => (rng.chance(0.5) ? mapKeyDelta('k'.repeat(60_000 + rng.int(20_000))) : hugeKeyDeflatedState((1 + rng.int(8 * scale)) * 1024 * 1024)),
  bomb: (rng, scale) => zeroBomb((1 + rng.int(16 * scale)) * 1024 * 1024, rng.chance(0.5) ? undefined : 1 + rng.int(1 << 30)),
  hugeCounts: (rng) => {
    // A count varint claiming far more items than the input holds, at a random section.
    const w = new Writer(64)
    header(w, { to: 3 })
    const section = rng.int(3)
    if (section === 0) w.writeVarUint(2 ** 40 + rng.int(1000))
    else {
      w.writeVarUint(1)
      rootMapId(w, 'm')
      w.writeVarUint(section === 1 ? 2 ** 31 : 0xffffffff)
    }
    for (let i = 0; i < rng.int(40); i++) w.writeUint8(rng.int(256))
    return w.finish()
  },
  forgedDots: (rng) => {
    // Ops outside the declared range, counter 0, replica refs past the table, or cycles.
    const w = new Writer(64)
    header(w, { to: 2 + rng.int(3), replica: rng.chance(0.2) ? 2 ** 53 - 1 : 7 })
    w.writeVarUint(rng.chance(0.5) ? 2 : 1)
    const choice = rng.int(3)
    if (choice === 0) {
      // A nested map holding itself.
      nestedId(w, KIND.map, 1)
      w.writeVarUint(1)
      containerEntry(w, 'self', 1, KIND.map)
    } else {
      rootMapId(w, 'm')
      w.writeVarUint(1)
      w.writeString('k')
      w.writeVarUint(rng.int(3))
      w.writeVarUint(choice === 1 ? 0 : 2 ** 52 + rng.int(100))
      w.writeVarUint(rng.int(5))
      w.writeUint8(rng.int(3))
      w.writeUint8(rng.int(5))
    }
    if (rng.chance(0.5)) {
      // The same map again, or a cycle: map 2 holds map 1, map 1 holds map 2.
      nestedId(w, KIND.map, 2)
      w.writeVarUint(1)
      containerEntry(w, 'x', 1, KIND.map)
    }
    return w.finish()
  },
  deflatedGarbage: (rng) => {
    const raw = new Uint8Array(2 + rng.int(5000))
    for (let i = 2; i < raw.length; i++) raw[i] = rng.chance(0.7) ? 0 : rng.int(256)
    raw[0] = 1
    raw[1] = 1
    return deflatedState(raw, rng.chance(0.5) ? undefined : rng.int(1 << 26))
  },
}

/** Cuts, flips bits in, splices or repeats part of `bytes`. */
function mutate(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice()
  switch (rng.int(4)) {
    case 0:
      return out.subarray(0, rng.int(out.length + 1))
    case 1: {
      for (let i = 0; i < 1 + rng.int(8); i++) {
        const at = rng.int(Math.max(out.length, 1))
        if (at < out.length) out[at] = out[at]! ^ (1 << rng.int(8))
      }
      return out
    }
    case 2: {
      const at = rng.int(out.length + 1)
      const extra = new Uint8Array(1 + rng.int(16)).map(() => rng.pick([0, 0x7f, 0x80, 0xff, rng.int(256)]))
      const spliced = new Uint8Array(out.length + extra.length)
      spliced.set(out.subarray(0, at))
      spliced.set(extra, at)
      spliced.set(out.subarray(at), at + extra.length)
      return spliced
    }
    default: {
      const from = rng.int(out.length + 1)
      const part = out.subarray(from, from + rng.int(64))
      const doubled = new Uint8Array(out.length + part.length)
      doubled.set(out)
      doubled.set(part, out.length)
      return doubled
    }
  }
}

/** Names of the generators, for coverage checks. */
export const HOSTILE_KINDS: readonly string[] = Object.keys(generators)

/** One hostile input: a generator's output, mutated about half the time. */
export function hostileInput(rng: Rng, scale = 1): HostileInput {
  const kind = rng.pick(HOSTILE_KINDS)
  const base = generators[kind]!(rng, scale)
  if (rng.chance(0.5)) return { kind, bytes: base }
  return { kind: `${kind}+mutated`, bytes: mutate(rng, base) }
}
