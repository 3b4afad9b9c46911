import { matchesDocPattern } from '../auth/doc-patterns.js'

/** One residency rule: docs matching `pattern` live only in `regions` ([RESIDENCY-1]). */
export interface ResidencyRule {
  readonly pattern: string
  readonly regions: readonly string[]
}

/** Why a region refused a doc pinned elsewhere ([RESIDENCY-3]); sent as JSON with status 421. */
export interface ResidencyRefusal {
  readonly code: 'residency'
  readonly doc: string
  readonly region: string
  /** Where the doc may be read and written: connect to one of these. */
  readonly regions: readonly string[]
  readonly message: string
}

/**
 * The residency table: which regions may hold which docs. The most specific
 * rule wins (the longest pattern; an exact id beats any prefix), so
 * `eu:audit:*` can narrow `eu:*`. A doc no rule matches lives everywhere.
 */
export class Residency {
  /** Most specific first (what the audit's replica pages carry, so `weft audit` compares a doc only where it may live). */
  readonly rules: readonly ResidencyRule[]

  constructor(rules: readonly ResidencyRule[] = []) {
    // Exact ids first, then longer prefixes: the first match is the most specific.
    this.rules = [...rules].sort((a, b) => rank(b) - rank(a))
  }

  get empty(): boolean {
    return this.rules.length === 0
  }

  /** The regions `doc` is pinned to, or `undefined` when it lives everywhere. */
  regionsOf(doc: string): readonly string[] | undefined {
    return this.rules.find((r) => matchesDocPattern(r.pattern, doc))?.regions
  }

  /** May `region` hold `doc`? */
  allows(doc: string, region: string): boolean {
    const pinned = this.regionsOf(doc)
    return pinned === undefined || pinned.includes(region)
  }

  /** The refusal `region` answers for `doc`, or `undefined` when it may hold it. */
  refusal(doc: string, region: string): ResidencyRefusal | undefined {
    const pinned = this.regionsOf(doc)
    if (pinned === undefined || pinned.includes(region)) return undefined
    return {
      code: 'residency',
      doc,
      region,
      regions: pinned,
      message: `doc "${doc}" is pinned to regions ${pinned.join(', ')} (data residency); region ${region} refuses to read or write it: connect to ${pinned.join(' or ')}`,
    }
  }

  /** Throws when a rule names a region that is neither this one nor a peer (a typo would pin a doc nowhere). */
  check(known: readonly string[]): void {
    for (const r of this.rules) {
      const unknown = r.regions.filter((x) => !known.includes(x))
      if (unknown.length > 0) {
        throw new Error(`--residency ${r.pattern}=${r.regions.join('+')}: unknown region(s) ${unknown.join(', ')}; known: ${known.join(', ')}`)
      }
    }
  }
}

function rank(r: ResidencyRule): number {
  return r.pattern.endsWith('*') ? r.pattern.length : Number.MAX_SAFE_INTEGER
}

/**
 * Parses `PATTERN=REGION+REGION` (a flag given several times, or one env
 * value separated by `;`), e.g. `eu:*=eu-west+eu-central`.
 */
export function parseResidency(values: readonly string[]): ResidencyRule[] {
  const rules: ResidencyRule[] = []
  for (const raw of values
    .flatMap((v) => v.split(';'))
    .map((v) => v.trim())
    .filter((v) => v !== '')) {
    const eq = raw.lastIndexOf('=')
    const pattern = raw.slice(0, eq).trim()
    const regions = raw
      .slice(eq + 1)
      .split('+')
      .map((r) => r.trim())
      .filter((r) => r !== '')
    if (eq <= 0 || regions.length === 0)
      throw new Error(`--residency / WEFT_RESIDENCY: expected PATTERN=REGION+REGION (e.g. eu:*=eu-west+eu-central), got "${raw}"`)
    if (rules.some((r) => r.pattern === pattern)) throw new Error(`--residency: pattern "${pattern}" is given twice`)
    rules.push({ pattern, regions })
  }
  return rules
}
