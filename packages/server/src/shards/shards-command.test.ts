import { describe, expect, it } from 'vitest'
import { ShardsCommandError, parseShardsArgs, planRebalance } from './shards-command.js'

const docs = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe('planRebalance', () => {
  it('moves the fewest docs that leave every shard within one of the mean, fullest to emptiest', () => {
    const plan = planRebalance(
      new Map([
        ['a', docs('a', 7)],
        ['b', docs('b', 2)],
        ['c', []],
      ]),
    )
    expect(plan).toHaveLength(4)
    const sizes = new Map([
      ['a', 7],
      ['b', 2],
      ['c', 0],
    ])
    for (const m of plan) {
      sizes.set(m.from, (sizes.get(m.from) ?? 0) - 1)
      sizes.set(m.to, (sizes.get(m.to) ?? 0) + 1)
    }
    expect([...sizes.values()]).toEqual([3, 3, 3])
    expect(new Set(plan.map((m) => m.doc)).size).toBe(plan.length)
  })

  it('plans nothing for balanced or empty shards; the same state gives the same plan', () => {
    expect(
      planRebalance(
        new Map([
          ['a', docs('a', 3)],
          ['b', docs('b', 2)],
        ]),
      ),
    ).toEqual([])
    expect(planRebalance(new Map([['a', []]]))).toEqual([])
    const state = new Map([
      ['a', docs('a', 5)],
      ['b', []],
    ])
    expect(planRebalance(state)).toEqual(planRebalance(state))
  })
})

describe('parseShardsArgs', () => {
  const shard = ['--store', 'postgres://h/cat', '--shard', 'a=postgres://h/a']
  it('reads a command, its arguments and the shards, flags or env', () => {
    expect(parseShardsArgs(['move', 'note:1', 'a', ...shard], {})).toMatchObject({ command: 'move', args: ['note:1', 'a'], shards: { a: 'postgres://h/a' } })
    expect(parseShardsArgs(['list'], { WEFT_STORE: 'postgres://h/cat', WEFT_SHARDS: 'a=postgres://h/a,b=postgres://h/b' }).shards).toEqual({
      a: 'postgres://h/a',
      b: 'postgres://h/b',
    })
    expect(parseShardsArgs(['rebalance', '--dry-run', ...shard], {}).dryRun).toBe(true)
  })
  it('refuses what it cannot run, saying what to give', () => {
    expect(() => parseShardsArgs([...shard], {})).toThrow(ShardsCommandError)
    expect(() => parseShardsArgs(['move', 'note:1', ...shard], {})).toThrow(/move needs a doc id and a shard id/)
    expect(() => parseShardsArgs(['list', 'extra', ...shard], {})).toThrow(/list takes no arguments/)
    expect(() => parseShardsArgs(['list', '--store', 'postgres://h/cat'], {})).toThrow(/--shard <id>=<url>/)
    expect(() => parseShardsArgs(['list', '--store', 'postgres://h/cat', '--shard', 'a=mysql://x'], {})).toThrow(/expected a postgres:\/\/ URL/)
  })
})
