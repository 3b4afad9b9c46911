import type { RawClient } from '../server/helpers/raw-client.js'
import type { HealthSample } from './health-probe.js'

/**
 * What one attack is doing, filled in by the attack itself: its shape (the
 * size that matters for its kind, and the doc it aims at) and the
 * connections it opened, so that a slow probe can name what was in flight.
 */
export class AttackTrace {
  /** e.g. `containers=31234 doc=h:7`. */
  shapeText = ''
  readonly clients: RawClient[] = []
  /** Connections the attack drives without a RawClient: local port and bytes sent. */
  readonly sockets: { port: number; bytes: number }[] = []
  readonly startedAt = Date.now()
  endedAt: number | undefined

  constructor(
    readonly id: number,
    readonly kind: string,
  ) {}

  shape(text: string): void {
    this.shapeText = this.shapeText === '' ? text : `${this.shapeText} ${text}`
  }

  /** Registers a client the attack opened; returns it. */
  client(c: RawClient): RawClient {
    this.clients.push(c)
    return c
  }

  get bytesSent(): number {
    return this.clients.reduce((n, c) => n + c.bytesSent, 0) + this.sockets.reduce((n, s) => n + s.bytes, 0)
  }

  get ports(): number[] {
    return [...this.clients.map((c) => c.localPort), ...this.sockets.map((s) => s.port)]
  }

  /** One line: kind#id, shape, bytes sent, connections, and when it ran relative to `t0` (ms). */
  describe(t0: number): string {
    const ports = this.ports
    const conns = ports.length > 3 ? `${ports.slice(0, 3).join(',')},+${ports.length - 3}` : ports.join(',')
    const from = this.startedAt - t0
    const to = (this.endedAt ?? Date.now()) - t0
    const sent = this.bytesSent < 10_240 ? `${this.bytesSent}B` : `${Math.round(this.bytesSent / 1024)}KiB`
    return `${this.kind}#${this.id} ${this.shapeText} sent=${sent} conn=:${conns} [${from}..${to}ms]`.replace(/ {2,}/g, ' ')
  }
}

/** Every attack of a run, to look up what overlapped a probe. */
export class AttackLog {
  private readonly traces: AttackTrace[] = []
  private nextId = 1

  begin(kind: string): AttackTrace {
    const t = new AttackTrace(this.nextId++, kind)
    this.traces.push(t)
    return t
  }

  /** Attacks running at some point in [from, to] (epoch ms). */
  during(from: number, to: number): AttackTrace[] {
    return this.traces.filter((t) => t.startedAt <= to && (t.endedAt ?? Number.POSITIVE_INFINITY) >= from)
  }

  /**
   * A probe with what was in flight: `248ms/cpu230ms in flight: manyContainers#412 containers=31234 ...`.
   * Times in brackets are relative to the probe's start. `logs` are the
   * server's log messages written meanwhile (a compaction, a slow reader).
   */
  describe(sample: HealthSample, serverLogs: readonly string[] = []): string {
    const attacks = this.during(sample.startedAt, sample.endedAt).map((t) => t.describe(Math.round(sample.startedAt)))
    const logs = logsDuring(serverLogs, sample.startedAt, sample.endedAt)
    const head = `${Math.round(sample.wallMs)}ms/cpu${sample.serverCpuMs}ms`
    return `${head} in flight: ${attacks.join('; ') || 'no attack'}${logs.length > 0 ? ` | server logged: ${logs.join('; ')}` : ''}`
  }

  /** How often each kind was in flight during `samples` (the suspects of a set of slow probes). */
  kindsDuring(samples: readonly HealthSample[]): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const s of samples) {
      for (const kind of new Set(this.during(s.startedAt, s.endedAt).map((t) => t.kind))) counts[kind] = (counts[kind] ?? 0) + 1
    }
    return counts
  }
}

/** The `msg` of each pino JSON line whose `time` is within [from, to], deduplicated with counts. */
function logsDuring(lines: readonly string[], from: number, to: number): string[] {
  const counts = new Map<string, number>()
  for (const line of lines) {
    let entry: { time?: number; msg?: string }
    try {
      entry = JSON.parse(line) as { time?: number; msg?: string }
    } catch {
      continue
    }
    if (entry.time === undefined || entry.msg === undefined || entry.time < from || entry.time > to) continue
    counts.set(entry.msg, (counts.get(entry.msg) ?? 0) + 1)
  }
  return [...counts].map(([msg, n]) => (n > 1 ? `${msg} x${n}` : msg))
}
