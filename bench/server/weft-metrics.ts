/**
 * The Weft server's own view of a run, from its Prometheus `/metrics`: how
 * long deltas waited for their durable commit before the ack (the server
 * releases fan-out in the same persist order), and how many appends each
 * SQLite transaction carried. Bucket quantiles are upper bounds.
 */
export interface WeftServerView {
  readonly acks: number
  readonly ackMeanMs: number
  readonly ackP50AtMostMs: number | null
  readonly ackP99AtMostMs: number | null
  readonly commits: number
  readonly meanAppendsPerCommit: number
}

function histogram(text: string, name: string): { buckets: [number, number][]; sum: number; count: number } {
  const buckets: [number, number][] = []
  let sum = 0
  let count = 0
  for (const line of text.split('\n')) {
    const b = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)`).exec(line)
    if (b) buckets.push([b[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(b[1]), Number(b[2])])
    else if (line.startsWith(`${name}_sum `)) sum = Number(line.split(' ')[1])
    else if (line.startsWith(`${name}_count `)) count = Number(line.split(' ')[1])
  }
  return { buckets, sum, count }
}

function quantileUpperBound(buckets: readonly [number, number][], count: number, q: number): number | null {
  if (count === 0) return null
  const bucket = buckets.find(([, c]) => c >= q * count)
  return bucket ? bucket[0] : null
}

export async function readWeftServerView(port: number): Promise<WeftServerView | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`)
    const text = await res.text()
    const ack = histogram(text, 'weft_ack_latency_seconds')
    const batch = histogram(text, 'weft_store_batch_size')
    const ms = (s: number | null): number | null => (s === null ? null : Number.isFinite(s) ? s * 1000 : s)
    return {
      acks: ack.count,
      ackMeanMs: ack.count ? Math.round((ack.sum / ack.count) * 1e5) / 100 : 0,
      ackP50AtMostMs: ms(quantileUpperBound(ack.buckets, ack.count, 0.5)),
      ackP99AtMostMs: ms(quantileUpperBound(ack.buckets, ack.count, 0.99)),
      commits: batch.count,
      meanAppendsPerCommit: batch.count ? Math.round((batch.sum / batch.count) * 10) / 10 : 0,
    }
  } catch {
    return undefined
  }
}
