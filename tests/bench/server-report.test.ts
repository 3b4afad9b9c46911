import { describe, expect, it } from 'vitest'
import { percentile } from '../../bench/server/loadgen/stats.js'
import { ratio, renderReport, targetsTable } from '../../bench/server/report.js'

describe('bench:server report', () => {
  it('divides Weft by the better peer: the lower for latencies, the higher for throughput', () => {
    expect(ratio({ key: 'p99Ms', label: '', better: 'lower' }, 10, [40, 20])).toBe('0.50×')
    expect(ratio({ key: 'rate', label: '', better: 'higher' }, 300, [100, 150])).toBe('2.00×')
    expect(ratio({ key: 'x', label: '', better: 'info' }, 1, [2])).toBe('')
    expect(ratio({ key: 'p99Ms', label: '', better: 'lower' }, 10, [undefined])).toBe('')
  })

  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(percentile(xs, 50)).toBe(50)
    expect(percentile(xs, 99)).toBe(99)
    expect(percentile(xs, 100)).toBe(100)
    expect(percentile([], 50)).toBeNaN()
  })

  it('prints the durability note and failed servers', () => {
    const text = renderReport({
      meta: { node: 'v20', cpus: 2 },
      scenarios: { 'fan-out': { weft: { ok: true, p99Ms: 5 }, hocuspocus: { ok: false, error: 'boom\nstack' } } },
    })
    expect(text).toContain('only after its SQLite transaction COMMITs')
    expect(text).toContain('| p99 send→receipt (ms) | 5 | – | – |  |')
    expect(text).toContain('hocuspocus failed: boom')
  })

  it('prints the instruction rows of an --instr run, and leaves them out of a run without counts', () => {
    const counted = renderReport({
      meta: { instr: 'every server under valgrind --tool=callgrind' },
      scenarios: {
        'fan-out': {
          weft: { ok: true, serverInstructionsPerDelivery: 60_000, serverInstructions: 6e8 },
          'y-websocket': { ok: true, serverInstructionsPerDelivery: 120_000, serverInstructions: 1.2e9 },
          hocuspocus: { ok: true, serverInstructionsPerDelivery: 150_000, serverInstructions: 1.5e9 },
        },
      },
    })
    expect(counted).toContain('**Instruction-count run:** every server under valgrind --tool=callgrind.')
    expect(counted).toContain('| server instructions per delivered edit (callgrind) | 60000 | 120000 | 150000 | 0.50× |')
    const timed = renderReport({ meta: {}, scenarios: { 'fan-out': { weft: { ok: true, p99Ms: 5 } } } })
    expect(timed).not.toContain('callgrind')
  })

  it('prints the many-docs saturation search: throughput per server at each p99 bound, and its ratio', () => {
    const sat = (rate: number, stoppedBy: string) => ({
      p99BoundsMs: [100, 250],
      stoppedBy,
      sustained: [
        {
          p99BoundMs: 100,
          deliveriesPerSecond: rate / 2,
          offeredPerSecond: rate / 2,
          sentPerSecond: rate / 2,
          p99Ms: 90,
          serverCpuPercent: 20,
          loadgenCpuPercent: 30,
        },
        { p99BoundMs: 250, deliveriesPerSecond: rate, offeredPerSecond: rate, sentPerSecond: rate, p99Ms: 200, serverCpuPercent: 40, loadgenCpuPercent: 60 },
      ],
      steps: [
        {
          offeredEditsPerSecond: rate,
          sentPerSecond: rate,
          deliveriesPerSecond: rate,
          p99Ms: 200,
          deliveredShare: 1,
          serverCpuPercent: 40,
          loadgenCpuPercent: 60,
        },
      ],
    })
    const results = {
      meta: {},
      scenarios: {
        'many-docs': {
          weft: { ok: true, saturation: sat(8000, 'last step') },
          'y-websocket': { ok: true, saturation: sat(4000, 'fell behind at 8000 edits/s') },
        },
      },
    }
    const text = renderReport(results)
    expect(text).toContain('common p99 bounds 100 / 250 ms')
    expect(text).toContain('| highest throughput with p99 ≤ 250 ms (deliveries/s) | 8000 | 4000 | – | 2.00× |')
    expect(text).toContain('| highest throughput with p99 ≤ 100 ms (deliveries/s) | 4000 | 2000 | – | 2.00× |')
    expect(text).toContain('| search ended by | last step | fell behind at 8000 edits/s | – |  |')
    expect(text).toContain('| many-docs throughput ≥ 2 × better peer at p99 ≤ 250 ms | 8000 vs 4000 deliveries/s (y-websocket) | 2.00× | **met** |')
  })

  it('judges the issue targets on the run: met or missed, ratio, and by how much', () => {
    const lines = targetsTable({
      meta: {},
      scenarios: {
        'fan-out': { weft: { ok: true, p99Ms: 40 }, 'y-websocket': { ok: true, p99Ms: 120 }, hocuspocus: { ok: true, p99Ms: 70 } },
        connections: { weft: { ok: true, serverRssPerConnectionKB: 12 }, 'y-websocket': { ok: true, serverRssPerConnectionKB: 16 } },
        'catch-up': { weft: { ok: true, bytesRatio: 1 } },
      },
    }).join('\n')
    expect(lines).toContain('| fan-out p99 ≤ 0.5 × better peer and ≤ 50 ms | 40 ms vs 70 ms (hocuspocus) | 0.57× | **missed** (ratio 0.57× vs ≤ 0.50×) |')
    expect(lines).toContain(
      '| RSS per idle connection ≤ 0.5 × better peer | 12 KB vs 16 KB (y-websocket) | 0.75× | **missed** (0.75× vs ≤ 0.50×; ≤ 8.0 KB needed) |',
    )
    expect(lines).toContain('| catch-up bytes ≤ 1.2 × encoded size of what was missed | 1× | – | **met** |')
  })
})
