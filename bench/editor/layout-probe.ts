/**
 * How long Chromium takes to lay out a contenteditable after a one-character
 * change, as a function of how many sibling blocks it holds, with no editor
 * at all: plain `<p>` children, one text node changed, then
 * `Selection.collapse` (which needs the layout, as a caret move after a
 * keystroke does). Tells what any editor pays per key for a long note whose
 * blocks are all children of one element (bench/results/editor.md).
 *
 *   node --import tsx bench/editor/layout-probe.ts [paragraphs ...]   (default 2000 20000)
 *
 * Uses the system Chromium (WEFT_CHROMIUM, else /usr/bin/chromium), like the e2e tests.
 */
import { chromium } from '@playwright/test'

const counts = process.argv.slice(2).map(Number)
const browser = await chromium.launch({ executablePath: process.env['WEFT_CHROMIUM'] ?? '/usr/bin/chromium' })
const page = await browser.newPage()
for (const n of counts.length > 0 ? counts : [2000, 20000]) {
  const { collapse, after } = await page.evaluate((n) => {
    document.body.replaceChildren()
    const editable = document.body.appendChild(document.createElement('div'))
    editable.contentEditable = 'true'
    for (let i = 0; i < n; i++) editable.appendChild(document.createElement('p')).textContent = `lorem ipsum dolor sit amet consectetur adipiscing elit ${i}`
    editable.focus()
    const text = editable.children[n >> 1]!.firstChild as Text
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
  }, n)
  console.log(`${n} paragraphs: collapse after a one-character change ${collapse.toFixed(2)} ms (median of 21), layout left after it ${after.toFixed(2)} ms`)
}
await browser.close()
