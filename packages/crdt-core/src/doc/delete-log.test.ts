import { describe, expect, it } from 'vitest'
import type { Container } from '../containers/container.js'
import type { IdRange } from '../sequence/sequence.js'
import { Rng, seeds } from '../test-support/rng.js'
import { DeleteLog } from './delete-log.js'
import { Doc } from './doc.js'

interface Entry {
  container: Container
  replica: number
  counter: number
  ranges: IdRange[]
}

function entries(log: DeleteLog): Entry[] {
  const out: Entry[] = []
  log.forEach((container, replica, counter, ranges) => out.push({ container, replica, counter, ranges }))
  return out
}

function dropOldest(log: DeleteLog, keep: number): [number, number][] {
  const dots: [number, number][] = []
  log.dropOldest(keep, (replica, counter) => dots.push([replica, counter]))
  return dots
}

const doc = new Doc({ replicaId: 1 })
const containers: Container[] = [doc.getText('a'), doc.getList('b'), doc.getText('c')]
/** A 53-bit replica id, as real ones are. */
const BIG = 2 ** 52 + 7

/** Entry i of a fixed pattern: its dot, a container, and i % 4 ranges (none, one or several). */
function entry(i: number): Entry {
  const ranges: IdRange[] = []
  for (let k = 0; k < i % 4; k++) ranges.push({ replica: k === 1 ? BIG : 3 + k, counter: 100 * i + k, len: 1 + k })
  return { container: containers[i % containers.length]!, replica: i % 2 === 0 ? BIG : 5, counter: i + 1, ranges }
}

function add(log: DeleteLog, e: Entry): void {
  log.add(e.container, e.replica, e.counter, e.ranges)
}

/** Adds entries [from, to) of the pattern to the log and to its model. */
function addPattern(log: DeleteLog, model: Entry[], from: number, to: number): void {
  for (let i = from; i < to; i++) {
    add(log, entry(i))
    model.push(entry(i))
  }
}

describe('DeleteLog', () => {
  it('keeps entries and their ranges in order across the wrap point of both rings, then through growth', () => {
    const log = new DeleteLog()
    const model: Entry[] = []
    // Fill, drop most from the front, refill: the next rows wrap to the
    // start of each ring while the oldest sit at its end.
    addPattern(log, model, 0, 60)
    expect(dropOldest(log, 10)).toEqual(model.splice(0, 50).map((e) => [e.replica, e.counter]))
    addPattern(log, model, 60, 110)
    expect(log.length).toBe(60)
    expect(entries(log)).toEqual(model)
    // Grow both rings while they are wrapped.
    addPattern(log, model, 110, 400)
    expect(entries(log)).toEqual(model)
    expect(log.length).toBe(model.length)
  })

  it('drops across the wrap point, reporting every dropped dot oldest first', () => {
    const log = new DeleteLog()
    const model: Entry[] = []
    addPattern(log, model, 0, 50)
    dropOldest(log, 5)
    model.splice(0, 45)
    addPattern(log, model, 50, 100)
    // The oldest rows run to the end of the rings; this drop goes past it.
    expect(dropOldest(log, 3)).toEqual(model.splice(0, model.length - 3).map((e) => [e.replica, e.counter]))
    expect(entries(log)).toEqual(model)
    expect(dropOldest(log, 3)).toEqual([])
    expect(dropOldest(log, 0)).toEqual(model.map((e) => [e.replica, e.counter]))
    expect(log.length).toBe(0)
    expect(entries(log)).toEqual([])
  })

  it('holds counters past 32 bits, before and after they first come', () => {
    const log = new DeleteLog()
    const small: Entry = { container: containers[0]!, replica: 1, counter: 7, ranges: [{ replica: 2, counter: 9, len: 3 }] }
    const wide: Entry = { container: containers[1]!, replica: BIG, counter: 2 ** 53 - 1, ranges: [{ replica: BIG, counter: 2 ** 40 + 3, len: 2 }] }
    add(log, small)
    add(log, wide)
    add(log, small)
    expect(entries(log)).toEqual([small, wide, small])
  })

  for (const seed of seeds(20)) {
    it(`matches a plain list under random adds and drops (seed ${seed})`, () => {
      const rng = new Rng(seed)
      const log = new DeleteLog()
      const model: Entry[] = []
      for (let step = 0; step < 600; step++) {
        if (rng.chance(0.1)) {
          const keep = rng.int(model.length + 2)
          const dropped = model.splice(0, Math.max(0, model.length - keep))
          expect(dropOldest(log, keep)).toEqual(dropped.map((e) => [e.replica, e.counter]))
        } else {
          const ranges: IdRange[] = []
          for (let k = rng.int(rng.chance(0.1) ? 90 : 3); k > 0; k--) {
            ranges.push({ replica: rng.pick([1, 2, BIG]), counter: rng.chance(0.02) ? 2 ** 45 + step : 1 + rng.int(1000), len: 1 + rng.int(20) })
          }
          const e: Entry = { container: rng.pick(containers), replica: rng.pick([1, BIG]), counter: 1 + step, ranges }
          add(log, e)
          model.push(e)
        }
        expect(log.length).toBe(model.length)
        if (step % 50 === 0) expect(entries(log)).toEqual(model)
      }
      expect(entries(log)).toEqual(model)
    })
  }
})
