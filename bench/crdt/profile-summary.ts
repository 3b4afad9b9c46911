/**
 * Prints where a `.cpuprofile` (from `--cpu-prof`) spends its time: the functions with the most
 * self time, with their share of all samples.
 * Usage: node --import tsx crdt/profile-summary.ts FILE.cpuprofile [TOP=25]
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

const [file, topArg] = process.argv.slice(2)
if (file === undefined) throw new Error('usage: profile-summary.ts FILE.cpuprofile [TOP]')
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const selfUs = new Map<string, number>()
let total = 0
/** Samples that are not the measured code: the inspector's own start/stop calls, and idle time. */
const isOverhead = (f: ProfileNode['callFrame'] | undefined): boolean =>
  f !== undefined && f.url === '' && (f.functionName === 'dispatch' || f.functionName === '(idle)')
let overhead = 0
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0
  const f = byId.get(id)?.callFrame
  if (isOverhead(f)) {
    overhead += us
    return
  }
  const where = f === undefined ? '?' : `${f.functionName || '(anonymous)'} ${f.url === '' ? '' : `${basename(f.url)}:${f.lineNumber + 1}`}`
  selfUs.set(where, (selfUs.get(where) ?? 0) + us)
  total += us
})
const top = [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))
process.stdout.write(`${file}: ${(total / 1000).toFixed(1)} ms sampled (${(overhead / 1000).toFixed(1)} ms of profiler start/stop and idle left out)\n`)
for (const [where, us] of top) {
  process.stdout.write(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${where}\n`)
}
