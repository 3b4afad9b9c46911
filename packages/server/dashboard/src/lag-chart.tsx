import { useEffect, useRef } from 'react'
// uPlot: a small (about 50 KB), dependency-free, actively kept time-series chart drawn on a canvas,
// made for live series: new samples are a setData, not a re-render of SVG nodes as with Recharts
// (which also brings d3 and redux along). The dashboard adds a sample per region pair every second.
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { type LagHistory, WINDOW_MS, lastOf, peakOf } from './lag-history.js'

const HEIGHT = 200

function chartData(lag: LagHistory): uPlot.AlignedData {
  return [lag.times.map((t) => t / 1000), ...lag.pairs.map((p) => p.values as (number | null)[])]
}

function chartOptions(lag: LagHistory, width: number): uPlot.Options {
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    scales: {
      // The last two minutes up to the newest sample.
      x: { time: true, range: (_u, _min, max) => [max - WINDOW_MS / 1000, max] },
      // From 0 s, at least 5 s tall, with room above the highest line.
      y: { range: (_u, _min, max) => [0, Math.max(5, (max ?? 0) * 1.2)] },
    },
    axes: [{ stroke: '#5b6570' }, { stroke: '#5b6570', values: (_u, ticks) => ticks.map((v) => `${v} s`), size: 48 }],
    series: [{}, ...lag.pairs.map((p) => ({ label: p.pair, stroke: p.color, width: 2, spanGaps: false }))],
  }
}

/**
 * Replication lag per region pair as a live line chart, with a legend that
 * names each line and carries its peak and latest value (`data-peak`,
 * `data-last`, seconds) for people and tests alike.
 */
export function LagChart({ lag }: { readonly lag: LagHistory }) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const pairsKey = lag.pairs.map((p) => p.pair).join('\n')

  // A new plot when the set of pairs changes (rare: regions join); otherwise new data only.
  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt on a new set of pairs only; data goes through setData below
  useEffect(() => {
    const el = box.current
    if (!el) return
    const u = new uPlot(chartOptions(lag, el.clientWidth || 800), chartData(lag), el)
    plot.current = u
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth || 800, height: HEIGHT }))
    resize.observe(el)
    return () => {
      resize.disconnect()
      u.destroy()
      plot.current = null
    }
  }, [pairsKey])

  useEffect(() => {
    plot.current?.setData(chartData(lag))
  }, [lag])

  return (
    <div id="chart" role="img" aria-label="replication lag per region pair">
      <div ref={box} className="plot" />
      <ul className="legend">
        {lag.pairs.map((p) => {
          const last = lastOf(p)
          return (
            <li key={p.pair} data-pair={p.pair} data-peak={peakOf(p).toFixed(1)} data-last={last === null ? '' : last.toFixed(1)}>
              <span className="swatch" style={{ background: p.color }} />
              {p.pair}
            </li>
          )
        })}
      </ul>
    </div>
  )
}
