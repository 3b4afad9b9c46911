import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  samples: number[]
  timeDeltas: number[]
}

function files(dir: string): string[] {
  try {
    return readdirSync(dir).flatMap((f) => {
      const p = join(dir, f)
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.cpuprofile') ? [p] : []
    })
  } catch {
    return []
  }
}

/** Top self-time functions of every V8 CPU profile under `dir` (written by `node --cpu-prof`). */
export function summarizeProfiles(dir: string, top = 15): Record<string, { totalMs: number; top: { fn: string; selfMs: number; percent: number }[] }> {
  const out: Record<string, { totalMs: number; top: { fn: string; selfMs: number; percent: number }[] }> = {}
  for (const file of files(dir)) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]))
    const self = new Map<string, number>()
    let total = 0
    p.samples.forEach((id, i) => {
      const dt = (p.timeDeltas[i] ?? 0) / 1000
      total += dt
      const f = byId.get(id)
      const name = f
        ? `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/packages\//, '')}:${f.lineNumber + 1}`
        : '?'
      self.set(name, (self.get(name) ?? 0) + dt)
    })
    out[relative(dir, file)] = {
      totalMs: Math.round(total),
      top: [...self.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([fn, ms]) => ({ fn, selfMs: Math.round(ms), percent: Math.round((ms / total) * 1000) / 10 })),
    }
  }
  return out
}
