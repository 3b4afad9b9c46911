/**
 * bench:rich --instr: instructions per remote change and per local keystroke, counted by callgrind,
 * for Weft's binding, y-prosemirror and a bare editor (the floor), each in its own process.
 *
 * Why: on this shared machine the timed run's ratios move between runs of one build by as much as
 * their distance to issue 22's target (0.49–0.84x for one build). An instruction count does not
 * depend on what else the machine runs. It is not time (cache misses, the DOM's allocation and the
 * collector weigh differently), so the report gives it beside the timed figures, not instead.
 *
 * Each process builds its editor as the timed run does, warms the JIT with WARM remote changes and
 * local keystrokes, then prepares COUNT remote keystrokes outside the count (typed and encoded on
 * the typists' replicas; the bare editor's transactions are built in it), zeroes the counters,
 * applies them and dumps the count ("remote"); then zeroes,
 * types COUNT local keystrokes and dumps again ("local"). Counts cover all of the process's threads
 * (V8's compiler and collector included), divided by COUNT.
 *
 * Usage: pnpm --filter @weft/bench run bench:rich:instr [--no-write] (minutes per side).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { callgrindControl, readSectionCounts, underCallgrind } from '../b1b4/callgrind.js'

const SIDES = ['weft', 'yjs', 'bare'] as const
type SideName = (typeof SIDES)[number]
const WARM = Number(process.env['WEFT_RICH_INSTR_WARM'] ?? 300)
const COUNT = Number(process.env['WEFT_RICH_INSTR_COUNT'] ?? 300)
/** `WEFT_RICH_INSTR_SIDES=weft` counts only those sides (an A/B of one build against another); no report is written. */
const only = process.env['WEFT_RICH_INSTR_SIDES']?.split(',').filter((s): s is SideName => (SIDES as readonly string[]).includes(s))

/** Runs in the child, under callgrind: one side's remote changes and local keystrokes, counted. */
async function measureSide(name: SideName): Promise<void> {
  const { blockCount, bareSide, localKeyPos, weftSide, yjsSide } = await import('./sides.js')
  const side = name === 'weft' ? weftSide() : name === 'yjs' ? yjsSide() : bareSide()
  const view = side.view
  // Lone remote changes from one typist, then local keys while the typists' listeners are on, as in the timed run.
  const block = (i: number) => (i * 7) % blockCount
  const localKey = () => view.dispatch(view.state.tr.insertText('k', localKeyPos(view)))
  for (let i = 0; i < WARM; i++) side.keystroke(0, block(i))()
  const changes: (() => void)[] = []
  if (name === 'bare') {
    // A bare editor's change is an editor transaction made for the state it applies to, so it is
    // built in the count: a walk to the block and one step, a few per cent of the view's update.
    // (Built ahead on a detached state, the 300 documents they held made the collector's work in
    // the count larger than the view's.)
    for (let i = WARM; i < WARM + COUNT; i++) changes.push(() => view.dispatch(view.state.tr.insertText('x', posInBlock(view.state.doc, block(i)))))
  } else for (let i = WARM; i < WARM + COUNT; i++) changes.push(side.keystroke(0, block(i)))
  callgrindControl(process.pid, '-z')
  for (const apply of changes) apply()
  callgrindControl(process.pid, '-d', 'remote')
  side.startTypists()
  for (let i = 0; i < WARM; i++) localKey()
  callgrindControl(process.pid, '-z')
  for (let i = 0; i < COUNT; i++) localKey()
  callgrindControl(process.pid, '-d', 'local')
  side.destroy()
}

/** Where a remote keystroke into block `block` lands: 3 characters into it, as the bindings put it. */
function posInBlock(doc: import('prosemirror-model').Node, block: number): number {
  let pos = 0
  for (let b = 0; b < block; b++) pos += doc.child(b).nodeSize
  return pos + 1 + 3
}

type Counts = Record<SideName, { remote: number; local: number }>

/** Runs each side in its own process under callgrind and reads its sections' counts. */
function countAll(): Counts {
  const dir = mkdtempSync(join(tmpdir(), 'weft-rich-instr-'))
  try {
    const counts = {} as Counts
    for (const name of only ?? SIDES) {
      const out = join(dir, `${name}.callgrind`)
      const started = Date.now()
      const argv = underCallgrind(out, [process.execPath, '--import', 'tsx', new URL(import.meta.url).pathname, '--child', name])
      const run = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
      if (run.status !== 0) throw new Error(`the ${name} side failed under callgrind (exit ${run.status}):\n${run.stderr.slice(-2000)}`)
      const sections = readSectionCounts(out)
      if (sections['remote'] === undefined || sections['local'] === undefined) throw new Error(`no counts from the ${name} side in ${dir}`)
      counts[name] = { remote: sections['remote'] / COUNT, local: sections['local'] / COUNT }
      console.log(
        `${name}: ${fmt(counts[name].remote)} per remote change, ${fmt(counts[name].local)} per local keystroke (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      )
    }
    return counts
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M`
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`

/** The parent: counts, a summary on stdout, and results/rich-instr.md unless --no-write. */
function report(c: Counts): void {
  if (only !== undefined) return
  const over = (x: number, floor: number) => Math.max(0, x - floor)
  const row = (label: string, k: 'remote' | 'local') =>
    `| ${label} | ${fmt(c.weft[k])} | ${fmt(c.yjs[k])} | ${ratio(c.weft[k], c.yjs[k])} | ${fmt(c.bare[k])} | ${over(c.yjs[k], c.bare[k]) > 0 ? ratio(over(c.weft[k], c.bare[k]), over(c.yjs[k], c.bare[k])) : 'n/a'} |`
  const table = [
    "| instructions per | Weft | y-prosemirror | Weft / Yjs | ProseMirror alone | binding's share, Weft / Yjs |",
    '|---|---|---|---|---|---|',
    row('remote change -> editor', 'remote'),
    row('local keystroke (typists listening)', 'local'),
  ].join('\n')
  console.log(table)
  if (process.argv.includes('--no-write')) return
  const text = `# Rich text: instructions per change (callgrind)

Written by \`bench/rich/instructions.ts\` (\`pnpm --filter @weft/bench run bench:rich:instr\`), ${new Date().toISOString().slice(0, 10)}.
Each side in its own process under \`valgrind --tool=callgrind\`, on the document of results/rich.md; ${WARM} changes to warm up,
then ${COUNT} counted. All of the process's threads count (V8's compiler and collector too). An instruction is not a unit
of time (the DOM's allocations and cache misses weigh differently), so this sits beside the timed figures; it does not
move with the machine's load, which the timed ratios do by as much as their distance to the target.

${table}
`
  writeFileSync(new URL('../results/rich-instr.md', import.meta.url), text)
  console.log('wrote results/rich-instr.md')
}

const child = process.argv.indexOf('--child')
if (child >= 0) await measureSide(process.argv[child + 1] as SideName)
else report(countAll())
