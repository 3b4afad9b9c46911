/** How the nearest region is chosen and when the client goes back to it. */
export interface NearestRegionOptions {
  /** Go back to a nearer region only after it answered this many probes in a row (default 3). */
  readonly returnAfter?: number
  /** ...and only when it is nearer than the current one by more than this (default 10 ms). */
  readonly marginMs?: number
  /** ...and not sooner than this after the last switch (default 5 s): no flapping. */
  readonly dwellMs?: number
  readonly now?: () => number
}

interface Seen {
  /** Smoothed round trip (ms); undefined until a probe answered. */
  rtt: number | undefined
  up: boolean
  /** Probes answered in a row since the last failure. */
  streak: number
}

/**
 * The choice of region ([REGION-CLIENT-1]): connect to the one whose
 * probes answer fastest; when its connection fails, to the next nearest
 * at once; back to a nearer one only once it has answered `returnAfter`
 * probes in a row, is nearer by `marginMs`, and `dwellMs` passed since the
 * last switch (hysteresis: a region that flickers or is barely nearer does
 * not make the client hop). Pure: timings are given to it.
 */
export class NearestRegion {
  private readonly seen = new Map<string, Seen>()
  private on: string
  private switchedAt: number
  private readonly now: () => number

  constructor(
    private readonly urls: readonly string[],
    private readonly o: NearestRegionOptions = {},
  ) {
    if (urls.length === 0) throw new RangeError('regions: give at least one region URL')
    for (const u of urls) this.seen.set(u, { rtt: undefined, up: true, streak: 0 })
    this.now = o.now ?? Date.now
    this.on = urls[0] as string
    this.switchedAt = -Infinity
  }

  /** The URL to connect to now. */
  current(): string {
    return this.on
  }

  /** A probe of `url` answered in `ms`, or failed (`undefined`). */
  probed(url: string, ms: number | undefined): void {
    const s = this.seen.get(url)
    if (!s) return
    if (ms === undefined) {
      s.up = false
      s.streak = 0
      return
    }
    // Smoothed, so one slow answer does not reorder the regions.
    s.rtt = s.rtt === undefined ? ms : 0.7 * s.rtt + 0.3 * ms
    s.up = true
    s.streak++
  }

  /** The first round of probes is in: start on the nearest. */
  pickNearest(): string {
    this.switchTo(this.ranking()[0] as string)
    return this.on
  }

  /** The connection to `url` failed or dropped: the next nearest region that is up, at once. */
  failed(url: string): void {
    const s = this.seen.get(url)
    if (s) {
      s.up = false
      s.streak = 0
    }
    if (url !== this.on) return
    const ranked = this.ranking()
    const next = ranked.find((u) => u !== url && this.seen.get(u)?.up) ?? ranked[(ranked.indexOf(url) + 1) % ranked.length]
    this.switchTo(next as string)
  }

  /** A nearer region to move back to now (hysteresis applied), or `undefined` to stay. */
  nearer(): string | undefined {
    if (this.now() - this.switchedAt < (this.o.dwellMs ?? 5_000)) return undefined
    const best = this.ranking()[0] as string
    if (best === this.on) return undefined
    const b = this.seen.get(best) as Seen
    const cur = this.seen.get(this.on) as Seen
    if (!b.up || b.streak < (this.o.returnAfter ?? 3) || b.rtt === undefined) return undefined
    if (cur.up && cur.rtt !== undefined && b.rtt + (this.o.marginMs ?? 10) >= cur.rtt) return undefined
    this.switchTo(best)
    return best
  }

  /** Regions that are up, nearest first, then the rest in the order given. */
  ranking(): string[] {
    const rtt = (u: string) => this.seen.get(u)?.rtt ?? Number.POSITIVE_INFINITY
    const up = this.urls.filter((u) => this.seen.get(u)?.up).sort((a, b) => rtt(a) - rtt(b))
    return [...up, ...this.urls.filter((u) => !this.seen.get(u)?.up)]
  }

  private switchTo(url: string): void {
    if (url !== this.on) this.switchedAt = this.now()
    this.on = url
  }
}
