/**
 * How long Chromium takes to lay out a contenteditable after a one-character
 * change, as a function of how many sibling blocks it holds, with no editor
 * at all: plain `<p>` children, one text node changed, then
 * `Selection.collapse` (which needs the layout, as a caret move after a
 * keystroke does). Tells what any editor pays per key for a long note whose
 * blocks are all children of one element, and (`--chunk N`) what it would
 * pay with the blocks grouped N to a `<div>` (bench/results/editor.md).
 *
 *   node --import tsx bench/editor/layout-probe.ts [--chunk N] [paragraphs ...]   (default 2000 20000)
 *
 * Uses the system Chromium (WEFT_CHROMIUM, else /usr/bin/chromium), like the e2e tests.
 */
import { chromium } from '@playwright/test'

const args = process.argv.slice(2)
const chunkAt = args.indexOf('--chunk')
const chunk = chunkAt >= 0 ? Number(args.splice(chunkAt, 2)[1]) : 0
const counts = args.map(Number)
const browser = await chromium.launch({ executablePath: process.env['WEFT_CHROMIUM'] ?? '/usr/bin/chromium' })
const page = await browser.newPage()
for (const n of counts.length > 0 ? counts : [2000, 20000]) {
  const { collapse, after } = await page.evaluate(
    ([n, chunk]) => {
      document.body.replaceChildren()
      const editable = document.body.appendChild(document.createElement('div'))
      editable.contentEditable = 'true'
      let parent: HTMLElement = editable
      const paragraphs: HTMLElement[] = []
      for (let i = 0; i < n; i++) {
        if (chunk > 0 && i % chunk === 0) parent = editable.appendChild(document.createElement('div'))
        const p = parent.appendChild(document.createElement('p'))
        p.textContent = `lorem ipsum dolor sit amet consectetur adipiscing elit ${i}`
        paragraphs.push(p)
      }
      editable.focus()
      const text = paragraphs[n >> 1]!.firstChild as Text
      const selection = getSelection()!
      selection.collapse(text, 3)
      void document.body.offsetHeight
      const samples: [number, number][] = []
      for (let k = 0; k < 21; k++) {
        text.insertData(3 + k, 'x')
        const t0 = performance.now()
        selection.collapse(text, 4 + k)
        const t1 = performance.now()
        void document.body.offsetHeight // anything left to lay out
        samples.push([t1 - t0, performance.now() - t1])
      }
      samples.sort((a, b) => a[0] - b[0])
      const [collapse, after] = samples[10]!
      return { collapse, after }
    },
    [n, chunk] as const,
  )
  console.log(
    `${n} paragraphs${chunk > 0 ? `, ${chunk} to a div` : ''}: collapse after a one-character change ${collapse.toFixed(2)} ms (median of 21), layout left after it ${after.toFixed(2)} ms`,
  )
}
await browser.close()
