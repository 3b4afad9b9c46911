/**
 * Reads the instruction counts a callgrind-run worker dumped, one dump per timed section
 * (`callgrind_control -z` before it, `-d <section>` after it; see worker.ts).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/** Instructions executed (all threads) in each dumped section, by section name. */
export function readSectionCounts(outFile: string): Record<string, number> {
  const dir = dirname(outFile)
  const prefix = `${basename(outFile)}.`
  const counts: Record<string, number> = {}
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue
    const text = readFileSync(join(dir, name), 'utf8')
    const section = /^desc: Trigger: .*?(\w+)\s*$/m.exec(text)?.[1]
    const summary = /^summary: (\d+)/m.exec(text)?.[1]
    if (section !== undefined && summary !== undefined) counts[section] = Number(summary)
  }
  return counts
}
