import type { CDPSession, Page } from '@playwright/test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { badge, body, bodyText, createNote, expect, pasteText, setBodyCaret, test, unique } from './support/app.js'

// Issue 16, item 5: the main-thread work one keystroke costs in a big note, measured in
// Chromium and reported (bench/results/editor.md), never asserted as a time: the machine is
// shared. Two browsers have the note open (the typist's and a reader's, whose caret the typist
// draws); a plain textarea with the same text and styling is the baseline. Since issue 22 the
// note body is a ProseMirror rich editor (one paragraph per line).
// WEFT_EDITOR_BENCH_PROFILE=1 also records a CPU profile of the typist and prints its top functions.
test.describe.configure({ timeout: 900_000 })

/** Note sizes in KB. The test suite measures 100 KB; the 1 MB row takes about 9 minutes here: WEFT_EDITOR_BENCH_SIZES=100,1024. */
const SIZES = (process.env.WEFT_EDITOR_BENCH_SIZES ?? '100').split(',').map((kb) => Number(kb) * 1024)
const KEYS = Number(process.env.WEFT_EDITOR_BENCH_KEYS ?? 60)
/** Between keys: a fast typist's pace, long enough that each key's work (render, save, send) ends before the next. */
const GAP_MS = 120
const RESULTS = resolve(import.meta.dirname, '../../bench/results/editor.md')

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
  /** Main-thread task time per key (ms). */
  task: number
  script: number
  layout: number
  style: number
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
    return { task: per('TaskDuration'), script: per('ScriptDuration'), layout: per('LayoutDuration'), style: per('RecalcStyleDuration'), longest }
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
  const self = new Map<string, number>()
  const nodes = profile.nodes
  const dt = profile.timeDeltas ?? []
  const byId = new Map(nodes.map((n) => [n.id, n]))
  ;(profile.samples ?? []).forEach((id, i) => {
    const n = byId.get(id)!
    const f = n.callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000)
  })
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([k, ms]) => `  ${ms.toFixed(1).padStart(8)} ms  ${k}`)
    .join('\n')
}

test('editor: main-thread work per keystroke in a 100 KB and a 1 MB note (reported, not asserted)', async ({ browser, appUrl }) => {
  const rows: string[] = []
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
    if (process.env.WEFT_EDITOR_BENCH_PROFILE === '1') console.log(`typist profile, ${size >> 10} KB:\n${await profileTop(a, () => typeKeys(a, KEYS))}`)
    else await typeKeys(a, KEYS)
    const typist = await stopA(KEYS)
    await expect.poll(() => bodyLength(b), { timeout: 30_000 }).toBe(size + KEYS)
    await b.waitForTimeout(500)
    const reader = await stopB(KEYS)
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
    await typeKeys(p, KEYS)
    const plain = await stopP(KEYS)
    await plainCtx.close()

    const f = (n: number): string => n.toFixed(1)
    const row = (who: string, w: Work): string =>
      `| ${size >> 10} KB | ${who} | ${f(w.task)} | ${f(w.script)} | ${f(w.layout)} | ${f(w.style)} | ${f(w.longest)} |`
    rows.push(row('typist (demo)', typist), row('reader (demo, other browser)', reader), row('plain textarea', plain))
    console.log(rows.slice(-3).join('\n'))
  }
  const report = [
    '# Editor: main-thread work per keystroke',
    '',
    `Written by \`tests/e2e/editor-bench.spec.ts\` (\`pnpm exec playwright test editor-bench\`), ${new Date().toISOString().slice(0, 10)}.`,
    `${KEYS} keys typed in the middle of the note, one every ${GAP_MS} ms, in Chromium (headless) via Playwright;`,
    'figures are milliseconds of main-thread task time per key from the DevTools `Performance.getMetrics` counters',
    "(TaskDuration, ScriptDuration, LayoutDuration, RecalcStyleDuration), measured over the whole run, so each key's",
    'render, presence, save and send are counted. The reader has the note open in another browser (its caret is drawn',
    "in the typist's view) and its figure is its work per key received. Longest task: from a `longtask` observer.",
    "The demo's note body is a ProseMirror editor bound by @weft/prosemirror (issue 22); before that it was a textarea.",
    'Issue 16 targets at most 16 ms per key at 100 KB and at 1 MB. The machine is shared (2 cores): compare rows of one run.',
    '',
    '| note | page | task ms/key | script | layout | style | longest task ms |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n')
  mkdirSync(resolve(RESULTS, '..'), { recursive: true })
  writeFileSync(RESULTS, report)
  console.log(report)
})
