/**
 * Re-renders bench/results/b1b4.md from the run's JSON. With more names, merges those runs into
 * it first, filling each (scenario, library) the main run has no figures for (libraries or groups
 * measured in a separate, parallel run, e.g. `b1b4-automerge`), and takes the
 * instruction counts from a callgrind run (`b1b4-instr`), then rewrites b1b4.json as the merge.
 * Appends NAME-notes.md (hand-written analysis of the committed run) when it exists.
 * Usage: node --import tsx b1b4/render.ts [NAME [MORE...]] [--instr NAME]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { LibName } from '../crdt/adapters/lib-names.js'
import { renderMarkdown } from './report.js'
import type { SuiteResults } from './results.js'

const path = (n: string, ext: string): string => fileURLToPath(new URL(`../results/${n}.${ext}`, import.meta.url))
const read = (n: string): SuiteResults => JSON.parse(readFileSync(path(n, 'json'), 'utf8')) as SuiteResults

const args = process.argv.slice(2)
const instrAt = args.indexOf('--instr')
const instrName = instrAt < 0 ? undefined : args[instrAt + 1]
const names = args.filter((_, i) => instrAt < 0 || (i !== instrAt && i !== instrAt + 1))
const [main = 'b1b4', ...more] = names
const results = read(main)

for (const name of more) {
  const other = read(name)
  for (const s of other.scenarios) {
    const target = results.scenarios.find((x) => x.id === s.id)
    if (target === undefined) continue
    for (const [lib, cell] of Object.entries(s.libs)) {
      // A cell is filled only where the main run has no successful figure for that library.
      const own = target.libs[lib as LibName]
      if (cell.median !== null && (own === undefined || own.median === null)) (target.libs as Record<string, unknown>)[lib] = cell
    }
  }
  Object.assign(results.versions, other.versions)
  Object.assign(results.runs, other.runs)
}

if (instrName !== undefined && existsSync(path(instrName, 'json'))) {
  const instr = read(instrName)
  for (const s of instr.scenarios) {
    const target = results.scenarios.find((x) => x.id === s.id)
    if (target === undefined) continue
    for (const [lib, cell] of Object.entries(s.libs)) {
      const into = target.libs[lib as LibName]
      if (into !== undefined && cell.instructions !== null) into.instructions = cell.instructions
    }
  }
  ;(results as { instructionsFrom?: string }).instructionsFrom = `${instr.date}, commit ${instr.commit ?? 'unknown'}`
}

if (more.length > 0 || instrName !== undefined) writeFileSync(path(main, 'json'), `${JSON.stringify(results, null, 1)}\n`)
// Hand-written analysis of the committed run (where Weft misses, and why) is kept beside it.
const notes = path(`${main}-notes`, 'md')
const md = renderMarkdown(results) + (existsSync(notes) ? `\n${readFileSync(notes, 'utf8')}` : '')
writeFileSync(path(main, 'md'), md)
process.stdout.write(md)
