/**
 * Durability levels and read freshness across regions ([LEVEL-1], [FRESH-1]).
 * An open set: code that switches on them keeps a default.
 */
export type RegionLevel = 'quorum' | 'all-regions'
export type FreshnessLevel = 'session' | RegionLevel

/** Regions that must hold a write for `level`, out of `regions` (this one included). */
export function regionsNeeded(level: RegionLevel, regions: number): number {
  return level === 'all-regions' ? regions : Math.floor(regions / 2) + 1
}

export function isRegionLevel(v: string): v is RegionLevel {
  return v === 'quorum' || v === 'all-regions'
}

export function isFreshnessLevel(v: string): v is FreshnessLevel {
  return v === 'session' || isRegionLevel(v)
}
