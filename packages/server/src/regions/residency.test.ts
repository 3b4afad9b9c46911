import { describe, expect, it } from 'vitest'
import { Residency, parseResidency } from './residency.js'

describe('Residency', () => {
  it('[RESIDENCY-1] parses PATTERN=REGION+REGION, the most specific rule wins, unmatched docs live everywhere, unknown regions are refused', () => {
    const rules = parseResidency(['eu:*=eu-west+eu-central', 'eu:de:*=eu-central;eu:x=us-east'])
    expect(rules).toEqual([
      { pattern: 'eu:*', regions: ['eu-west', 'eu-central'] },
      { pattern: 'eu:de:*', regions: ['eu-central'] },
      { pattern: 'eu:x', regions: ['us-east'] },
    ])
    const r = new Residency(rules)
    expect(r.regionsOf('eu:ledger')).toEqual(['eu-west', 'eu-central'])
    expect(r.regionsOf('eu:de:tax')).toEqual(['eu-central'])
    expect(r.regionsOf('eu:x')).toEqual(['us-east'])
    expect(r.regionsOf('open:notes')).toBeUndefined()
    expect(r.allows('open:notes', 'us-east')).toBe(true)
    expect(r.allows('eu:ledger', 'us-east')).toBe(false)
    expect(r.refusal('eu:ledger', 'us-east')?.message).toMatch(
      /pinned to regions eu-west, eu-central .*region us-east refuses.*connect to eu-west or eu-central/,
    )
    expect(r.refusal('eu:ledger', 'eu-west')).toBeUndefined()
    expect(() => r.check(['eu-west', 'eu-central'])).toThrow(/unknown region\(s\) us-east/)
    expect(() => parseResidency(['eu:*'])).toThrow(/PATTERN=REGION/)
    expect(() => parseResidency(['a=x', 'a=y'])).toThrow(/twice/)
  })
})
