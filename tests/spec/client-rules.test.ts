import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const spec = readFileSync(join(root, 'packages/crdt-core/src/sync/SPEC.md'), 'utf8')

/** The rule ids the client's part of SPEC.md defines (each `**[ID]**` from "## Client runtime" to the next section). */
function clientRules(): string[] {
  const start = spec.indexOf('\n## Client runtime')
  const end = spec.indexOf('\n## ', start + 1)
  const part = spec.slice(start, end < 0 ? undefined : end)
  return [...part.matchAll(/\*\*\[([A-Z0-9-]+)\]\*\*/g)].map((m) => m[1]!)
}

/** Test sources: vitest and Playwright files, and the exported contract suites that hold `it` blocks. */
function testSources(): string[] {
  const out: string[] = []
  for (const dir of ['packages', 'tests', 'apps']) {
    for (const f of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (/(^|\/)(node_modules|dist)\//.test(f)) continue
      if (/\.(test|spec)\.tsx?$|-contract\.ts$/.test(f)) out.push(readFileSync(join(root, dir, f), 'utf8'))
    }
  }
  return out
}

describe("the client's part of SPEC.md", () => {
  const rules = clientRules()
  const cited = new Set(testSources().flatMap((src) => [...src.matchAll(/\[((?:CLIENT|SIM)-[A-Z0-9-]+)\]/g)].map((m) => m[1]!)))

  it('defines its rules (a parse that finds none would pass everything below)', () => {
    expect(rules.length).toBeGreaterThan(50)
    expect(new Set(rules).size).toBe(rules.length)
  })

  it('has a test citing each of its rules', () => {
    expect(rules.filter((id) => !cited.has(id))).toEqual([])
  })

  it('defines every CLIENT-* rule a test cites', () => {
    const defined = new Set(rules)
    expect([...cited].filter((id) => id.startsWith('CLIENT-') && !defined.has(id)).sort()).toEqual([])
  })
})
