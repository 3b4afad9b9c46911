import type { CDPSession, Page } from '@playwright/test'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { resolve } from 'node:path'
import { badge, body, bodyText, createNote, expect, pasteText, setBodyCaret, test, unique } from './support/app.js'
import { BUCKETS, type Breakdown, startTrace, tagPage } from './support/main-thread-trace.js'

// Issue 16, item 5: the main-thread work one keystroke costs in a big note, measured in
// Chromium and reported (bench/results/editor.md), never asserted as a time: the machine is
// shared. Two browsers have the note open (the typist's and a reader's, whose caret the typist
// draws); a plain textarea with the same text and styling is the baseline. Since issue 22 the
// note body is a ProseMirror rich editor (one paragraph per line).
// Each page's main thread is broken down by a Chromium performance trace (support/main-thread-trace.ts).
// WEFT_EDITOR_BENCH_PROFILE=1 also records a CPU profile of the typist and prints its top functions
// (self and total); WEFT_EDITOR_BENCH_TRACE_DIR=dir keeps the raw traces (DevTools' Performance panel opens them).
test.describe.configure({ timeout: 900_000 })
// Playwright's own trace snapshots the DOM around every action (each key press): in a 100 KB
// note that is a ~15 ms script per snapshot in the typist's page, counted as the page's work.
test.use({ trace: 'off' })

/** Note sizes in KB. The test suite measures 100 KB; the 1 MB rows add about a minute: WEFT_EDITOR_BENCH_SIZES=100,1024. */
const SIZES = (process.env.WEFT_EDITOR_BENCH_SIZES ?? '100').split(',').map((kb) => Number(kb) * 1024)
const KEYS = Number(process.env.WEFT_EDITOR_BENCH_KEYS ?? 60)
/** Between keys: a fast typist's pace, long enough that each key's work (render, save, send) ends before the next. */
const GAP_MS = 120
const RESULTS = resolve(import.meta.dirname, '../../bench/results/editor.md')
const BUCKET_NAMES = [...BUCKETS.map((b) => b.name), 'other']
const loadAverage = (): string =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ')
const LOAD_BEFORE = loadAverage()
const commit = (): string => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()

/** Prose-like text of `size` characters: lines of words, a blank line between paragraphs. */
function noteText(size: number): string {
  const words = ['weft', 'offline', 'sync', 'merge', 'the', 'note', 'replica', 'caret', 'text', 'of', 'a', 'server', 'delta']
  let out = ''
  let n = 1
  while (out.length < size) {
    let line = ''
    while (line.length < 70) line += `${words[((n = (n * 7 + 3) % 97)) % words.length]} `
    out += `${line.trimEnd()}${n % 5 === 0 ? '\n\n' : '\n'}`
  }
  return out.slice(0, size)
}

interface Work {
  /** Main-thread task time per key (ms), from the TaskDuration counter. */
  task: number
  /** Longest task seen while typing (ms). */
  longest: number
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]))
}

/** Starts counting a page's main-thread work; the returned function stops and gives it per key. */
async function measure(page: Page): Promise<(keys: number) => Promise<Work>> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
  await page.evaluate(() => {
    const w = window as unknown as { __longest: number }
    w.__longest = 0
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longest = Math.max(w.__longest, e.duration)
    }).observe({ type: 'longtask' })
  })
  const before = await metrics(cdp)
  return async (keys) => {
    const after = await metrics(cdp)
    const per = (name: string): number => ((after[name]! - before[name]!) * 1000) / keys
    const longest = await page.evaluate(() => (window as unknown as { __longest: number }).__longest)
    await cdp.detach()
    return { task: per('TaskDuration'), longest }
  }
}

/** Types `keys` characters at the caret, one every GAP_MS, and waits for the last to settle. */
async function typeKeys(page: Page, keys: number): Promise<void> {
  for (let i = 0; i < keys; i++) {
    await page.keyboard.press(i % 12 === 11 ? 'Space' : 'KeyK')
    await page.waitForTimeout(GAP_MS)
  }
  await page.waitForTimeout(500)
}

/** Opens the app and waits until it is connected (longer than openApp allows: big notes, a busy machine). */
async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await expect(badge(page)).toHaveAttribute('data-state', 'server', { timeout: 30_000 })
}

/** Puts `text` in the note body as one paste would (Playwright's fill types it a line at a time: minutes for 1 MB). */
async function pasteAll(page: Page, text: string): Promise<void> {
  await body(page).click()
  await pasteText(page, text)
}

const bodyLength = async (page: Page): Promise<number> => (await bodyText(page)).length

/** The caret's index in the middle of the text, at a line start. */
const middle = (text: string): number => text.indexOf('\n', text.length >> 1) + 1

/** Puts the caret in the middle of the note body, at a line start, and scrolls it into view. */
async function caretInMiddle(page: Page, text: string): Promise<void> {
  await setBodyCaret(page, middle(text))
  await page.evaluate(() => {
    const node = document.getSelection()?.focusNode
    const el = node instanceof Element ? node : node?.parentElement
    el?.scrollIntoView({ block: 'center' })
  })
}

/** The baseline: the whole text put in a plain textarea at once, the caret in the middle. */
async function textareaWith(page: Page, text: string): Promise<void> {
  await page.locator('textarea').evaluate(
    (el: HTMLTextAreaElement, { text, at }) => {
      el.focus()
      el.value = text
      el.setSelectionRange(at, at)
      const line = text.slice(0, at).split('\n').length
      el.scrollTop = Math.max(0, line * 26 - 100) // about the caret's line (16px * 1.65)
    },
    { text, at: middle(text) },
  )
}

async function profileTop(page: Page, run: () => Promise<void>): Promise<string> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  await cdp.send('Profiler.start')
  await run()
  const { profile } = await cdp.send('Profiler.stop')
  await cdp.detach()
  // Self and total (self plus callees, each function counted once per stack) time per function.
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  const nodes = profile.nodes
  const dt = profile.timeDeltas ?? []
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const name = (id: number): string => {
    const f = byId.get(id)!.callFrame
    return `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`
  }
  ;(profile.samples ?? []).forEach((id, i) => {
    const ms = (dt[i] ?? 0) / 1000
    self.set(name(id), (self.get(name(id)) ?? 0) + ms)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(name(at))
    for (const k of seen) total.set(k, (total.get(k) ?? 0) + ms)
  })
  const top = (m: Map<string, number>, n: number): string =>
    [...m]
      .filter(([k]) => !k.startsWith('(program)') && !k.startsWith('(idle)') && !k.startsWith('(root)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => `  ${ms.toFixed(1).padStart(8)} ms  ${k}`)
      .join('\n')
  return `self:\n${top(self, 20)}\ntotal:\n${top(total, 40)}`
}

test('editor: main-thread work per keystroke in a 100 KB and a 1 MB note (reported, not asserted)', async ({ browser, appUrl }) => {
  const rows: string[] = []
  const tops: string[] = []
  for (const size of SIZES) {
    const text = noteText(size)
    const typistCtx = await browser.newContext()
    const readerCtx = await browser.newContext()
    const a = await typistCtx.newPage()
    const b = await readerCtx.newPage()
    await openApp(a, appUrl)
    await openApp(b, appUrl)
    const title = unique(`Bench ${size >> 10} KB`)
    await createNote(a, title)
    await pasteAll(a, text)
    await expect.poll(() => bodyLength(a), { timeout: 60_000 }).toBe(size)
    await b.locator('.note-row', { hasText: title }).locator('.note-open').click()
    await expect.poll(() => bodyLength(b), { timeout: 60_000 }).toBe(size)
    await caretInMiddle(b, text)
    await caretInMiddle(a, text)
    await expect(a.locator('.remote-caret')).toHaveCount(1, { timeout: 20_000 })
    await a.waitForTimeout(1000)

    const stopA = await measure(a)
    const stopB = await measure(b)
    const stopTrace = await startTrace(browser, a)
    await tagPage(a, 'typist')
    await tagPage(b, 'reader')
    if (process.env.WEFT_EDITOR_BENCH_PROFILE === '1') console.log(`typist profile, ${size >> 10} KB:\n${await profileTop(a, () => typeKeys(a, KEYS))}`)
    else await typeKeys(a, KEYS)
    const typist = await stopA(KEYS)
    await expect.poll(() => bodyLength(b), { timeout: 30_000 }).toBe(size + KEYS)
    await b.waitForTimeout(500)
    const reader = await stopB(KEYS)
    const traced = await stopTrace()
    await typistCtx.close()
    await readerCtx.close()

    // The baseline: a plain textarea with the same text and styling, in a page of its own.
    const plainCtx = await browser.newContext()
    const p = await plainCtx.newPage()
    await p.goto(appUrl)
    await p.setContent(
      '<textarea aria-label="Plain" style="position:absolute;inset:40px;width:900px;height:600px;font:16px/1.65 sans-serif;white-space:pre-wrap;padding:16px 18px"></textarea>',
    )
    await textareaWith(p, text)
    const stopP = await measure(p)
    const stopPlainTrace = await startTrace(browser, p)
    await tagPage(p, 'plain')
    await typeKeys(p, KEYS)
    const plain = await stopP(KEYS)
    const plainTraced = await stopPlainTrace()
    await plainCtx.close()

    const f = (n: number): string => n.toFixed(1)
    const pages: [string, Work, Breakdown | undefined][] = [
      ['typist (demo)', typist, traced.get('typist')],
      ['reader (demo, other browser)', reader, traced.get('reader')],
      ['plain textarea', plain, plainTraced.get('plain')],
    ]
    for (const [who, w, t] of pages) {
      const b = (name: string): string => (t === undefined ? '–' : f(t.buckets[name]! / KEYS))
      rows.push(
        `| ${size >> 10} KB | ${who} | ${f(w.task)} | ${t === undefined ? '–' : f(t.task / KEYS)} | ${BUCKET_NAMES.map(b).join(' | ')} | ${f(w.longest)} |`,
      )
      const top = (t?.byEvent ?? []).slice(0, 8).map(([name, ms]) => `${name} ${f(ms / KEYS)}`)
      tops.push(`- ${size >> 10} KB, ${who}: ${top.join(', ')}`)
    }
    console.log(rows.slice(-3).join('\n'))
  }
  const report = [
    '# Editor: main-thread work per keystroke',
    '',
    `Written by \`tests/e2e/editor-bench.spec.ts\` (\`pnpm exec playwright test editor-bench\`), ${new Date().toISOString().slice(0, 10)}.`,
    `${KEYS} keys typed in the middle of the note, one every ${GAP_MS} ms, in Chromium (headless) via Playwright;`,
    "figures are milliseconds of main-thread task time per key, measured over the whole run, so each key's",
    'render, presence, save and send are counted. The reader has the note open in another browser (its caret is drawn',
    "in the typist's view) and its figure is its work per key received. Longest task: from a `longtask` observer.",
    "The demo's note body is a ProseMirror editor bound by @weft/prosemirror (issue 22); before that it was a textarea.",
    'Issue 16 targets at most 16 ms per key at 100 KB and at 1 MB. The machine is shared (2 cores): compare rows of one run.',
    '',
    `Load (\`uptime\`) before the run: ${LOAD_BEFORE}; after: ${loadAverage()}. Commit ${commit()}.`,
    '',
    '"task" is TaskDuration from the counters; the rest come from a performance trace of the same run (categories',
    '`devtools.timeline`, `v8.execute`, `disabled-by-default-v8.gc`, ...; tests/e2e/support/main-thread-trace.ts): "traced" is',
    "the renderer main thread's top-level task time, split by each event's self time (thread time) into script (FunctionCall,",
    'EventDispatch, TimerFire, microtasks, ...), gc (MinorGC/MajorGC, V8.GC_*, Blink GC), style (UpdateLayoutTree), layout,',
    'paint (PrePaint, Paint, Layerize, Commit to the compositor, HitTest), idb (IndexedDB calls) and other (task overhead,',
    'IPC, untraced native work). Tracing costs a little itself, so "traced" can exceed "task".',
    '',
    `| note | page | task ms/key | traced | ${BUCKET_NAMES.join(' | ')} | longest task ms |`,
    `|---|---|---|---|${BUCKET_NAMES.map(() => '---|').join('')}---|`,
    ...rows,
    '',
    'Top trace events by self time, ms per key:',
    '',
    ...tops,
    '',
  ].join('\n')
  // The hand-written "## History" section (what changed, figures before and after) is kept.
  const old = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : ''
  const history = old.indexOf('\n## History')
  mkdirSync(resolve(RESULTS, '..'), { recursive: true })
  writeFileSync(RESULTS, history < 0 ? report : `${report}${old.slice(history)}`)
  console.log(report)
})
