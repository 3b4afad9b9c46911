/**
 * Counting instructions with callgrind, for the B1–B4 workers and the server benchmark: the command
 * that runs a program under it, the control calls that zero and dump its counters around a timed
 * section (`callgrind_control -z` before it, `-d <section>` after it), and the counts of the dumps.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * `argv` (a node command: the executable, then its arguments) run under `valgrind --tool=callgrind`,
 * its counts written to `outFile` (and `.N` for each dump). Node runs with `--single-threaded`: V8's
 * background threads (concurrent marking, compile jobs) otherwise do a varying share of the work,
 * and two runs of one build differed by up to ~10 %; on one thread they agree within 0.2 %.
 */
export function underCallgrind(outFile: string, argv: readonly string[]): string[] {
  const [node, ...rest] = argv
  return ['valgrind', '--tool=callgrind', `--callgrind-out-file=${outFile}`, node!, '--single-threaded', ...rest]
}

/** Zeroes (`-z`) or dumps (`-d <name>`) the counters of process `pid`, which runs under callgrind. */
export function callgrindControl(pid: number, ...args: string[]): void {
  execFileSync('callgrind_control', [...args, String(pid)], { stdio: 'ignore' })
}

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
