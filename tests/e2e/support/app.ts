import { type Browser, expect, test as base, type Locator, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { WeftServer } from './weft-server.js'

export const SCREENSHOTS = resolve(import.meta.dirname, '../../../test-results/screenshots')

/** `appUrl`: the shared server started by global-setup. */
export const test = base.extend<{ appUrl: string }>({
  // biome-ignore lint: Playwright fixtures take a destructured first argument
  appUrl: async ({}, use) => {
    const url = process.env.WEFT_E2E_URL
    if (!url) throw new Error('WEFT_E2E_URL is not set: run through playwright.config.ts (global setup starts the server)')
    await use(url)
  },
})
export { expect }

/** A unique title, so specs sharing one server never collide. */
export const unique = (prefix: string): string => `${prefix} ${Math.random().toString(36).slice(2, 7)}`

export const badge = (page: Page): Locator => page.getByTestId('sync-badge')
/** The note body: a ProseMirror editor (contenteditable, role textbox). */
export const body = (page: Page): Locator => page.getByRole('textbox', { name: 'Note body' })
export const titleInput = (page: Page): Locator => page.getByRole('textbox', { name: 'Title' })
export const noteRow = (page: Page, title: string): Locator => page.locator('.note-row', { hasText: title })
export const offlineSwitch = (page: Page): Locator => page.getByRole('switch', { name: 'Offline' })

/** Open the app and wait until it is connected and everything is on the server. */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await expect(badge(page)).toHaveAttribute('data-state', 'server')
}

/**
 * Two people in two separate browsers (contexts share no IndexedDB and no BroadcastChannel), each with
 * the app open and connected; `close` closes both.
 */
export async function twoBrowsers(browser: Browser, appUrl: string): Promise<{ a: Page; b: Page; close(): Promise<void> }> {
  const ctxA = await browser.newContext()
  const ctxB = await browser.newContext()
  const a = await ctxA.newPage()
  const b = await ctxB.newPage()
  await openApp(a, appUrl)
  await openApp(b, appUrl)
  return {
    a,
    b,
    close: async () => {
      await ctxA.close()
      await ctxB.close()
    },
  }
}

/** Create a note with a title; it opens in the editor. */
export async function createNote(page: Page, title: string): Promise<void> {
  await page.getByRole('button', { name: '+ New note' }).click()
  await titleInput(page).fill(title)
  await expect(noteRow(page, title)).toBeVisible()
}

export async function openNote(page: Page, title: string): Promise<void> {
  await noteRow(page, title).locator('.note-open').click()
  await expect(titleInput(page)).toHaveValue(title)
  await expect(body(page)).toBeEnabled()
}

export async function setOffline(page: Page, offline: boolean): Promise<void> {
  // The input is visually hidden behind the styled track: click its label.
  await page.locator('label.switch').click()
  await expect(offlineSwitch(page)).toBeChecked({ checked: offline })
}

/**
 * The note body's text as its paragraphs joined by '\n' (what the textarea's value was before
 * the body became a rich editor): each block of the editor is one line. (The editor groups its
 * blocks in `.chunk` elements for layout; the blocks are their children.)
 */
export const bodyText = (page: Page): Promise<string> =>
  body(page).evaluate((el) => [...el.querySelectorAll(':scope > .chunk > *, :scope > :not(.chunk)')].map((block) => block.textContent ?? '').join('\n'))

/** Waits until the note body shows `text` (paragraphs joined by '\n'). */
export async function expectBody(page: Page, text: string, options?: { timeout?: number }): Promise<void> {
  await expect.poll(() => bodyText(page), options).toBe(text)
}

/**
 * Pastes plain text at the caret in the note body, as Ctrl+V would (one paragraph per line).
 * Playwright's fill on a contenteditable types through editing commands, one line at a time.
 */
export async function pasteText(page: Page, text: string): Promise<void> {
  await body(page).evaluate((el, text) => {
    el.focus()
    const data = new DataTransfer()
    data.setData('text/plain', text)
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, text)
}

/**
 * Puts the caret at flat index `pos` of the body (lines joined by '\n', as bodyText reads it),
 * as a click there would: through the DOM selection, which the editor follows.
 */
export async function setBodyCaret(page: Page, pos: number): Promise<void> {
  await body(page).evaluate((el, pos) => {
    el.focus()
    let rest = pos
    const blocks = [...el.querySelectorAll(':scope > .chunk > *, :scope > :not(.chunk)')]
    let block = blocks[blocks.length - 1]!
    for (const b of blocks) {
      const len = (b.textContent ?? '').length
      if (rest <= len) {
        block = b
        break
      }
      rest -= len + 1
    }
    const walker = el.ownerDocument.createTreeWalker(block, NodeFilter.SHOW_TEXT)
    let node: Node | null = walker.nextNode()
    let at: [Node, number] = [block.querySelector('.check-text') ?? block, 0]
    while (node !== null) {
      const len = (node as Text).data.length
      at = [node, Math.min(rest, len)]
      if (rest <= len) break
      rest -= len
      node = walker.nextNode()
    }
    el.ownerDocument.getSelection()!.collapse(at[0], at[1])
  }, pos)
  await expect.poll(() => caret(page)).toBe(pos)
}

/**
 * Focuses the note body and waits out ProseMirror's focus handling: 20 ms after a focus it puts
 * the DOM selection back to where it last read it, which undoes a key pressed in between (a
 * person never presses Ctrl+Home within 20 ms of focusing; a test does, and a loaded machine
 * runs the timer late). Seen as caretAt ending at the end of the text.
 */
export async function focusBody(page: Page): Promise<void> {
  await body(page).focus()
  await expect(body(page)).toHaveClass(/ProseMirror-focused/)
  await page.waitForTimeout(100)
}

/** Put the caret at `pos` in the note body, with the keyboard as a user would. */
export async function caretAt(page: Page, pos: number): Promise<void> {
  // Up to three tries: right after the note opened, the reader's caret was seen put back at the end of
  // the text after the keys (not understood yet; see the closing note of stop 28). The last try asserts.
  for (let attempt = 1; ; attempt++) {
    await focusBody(page)
    await page.keyboard.press('Control+Home')
    for (let i = 0; i < pos; i++) await page.keyboard.press('ArrowRight')
    if (attempt === 3) break
    const placed = await expect
      .poll(() => caret(page), { timeout: 2_000 })
      .toBe(pos)
      .then(() => true)
      .catch(() => false)
    if (placed) return
  }
  await expect.poll(() => caret(page)).toBe(pos)
}

/** The caret's flat index in the note body (lines joined by '\n'): where the DOM selection's head is. */
export const caret = (page: Page): Promise<number> =>
  body(page).evaluate((el) => {
    const sel = el.ownerDocument.getSelection()
    if (sel === null || sel.focusNode === null || !el.contains(sel.focusNode)) return -1
    const blocks = [...el.querySelectorAll(':scope > .chunk > *, :scope > :not(.chunk)')]
    const focus = el.ownerDocument.createRange()
    focus.setStart(sel.focusNode, sel.focusOffset)
    let flat = 0
    for (const block of blocks) {
      if (block.contains(sel.focusNode)) {
        const range = el.ownerDocument.createRange()
        range.setStart(block, 0)
        range.setEnd(sel.focusNode, sel.focusOffset)
        return flat + range.toString().length
      }
      // Between blocks: count those that start before the focus.
      if (focus.comparePoint(block, 0) >= 0) break
      flat += (block.textContent ?? '').length + 1
    }
    return flat
  })

/** A ProseMirror node as JSON (what `bodyDocJSON` returns). */
export interface PMJSON {
  type: string
  attrs?: Record<string, unknown>
  text?: string
  marks?: { type: string; attrs?: Record<string, unknown> }[]
  content?: PMJSON[]
}

/**
 * The editor's document as ProseMirror JSON (its view description holds the document node), with the
 * chunks that group its blocks for layout left out: the document's content is its blocks.
 */
export const bodyDocJSON = async (page: Page): Promise<PMJSON> => {
  const doc = await body(page).evaluate((el) => (el as unknown as { pmViewDesc: { node: { toJSON(): unknown } } }).pmViewDesc.node.toJSON() as PMJSON)
  return { ...doc, content: (doc.content ?? []).flatMap((node) => (node.type === 'chunk' ? (node.content ?? []) : [node])) }
}

/** A note that `a` creates with `text` in its body and `b` opens; both saved on the server. Returns its title. */
export async function sharedNote(a: Page, b: Page, prefix: string, text: string): Promise<string> {
  const title = unique(prefix)
  await createNote(a, title)
  await body(a).click()
  await pasteText(a, text)
  await openNote(b, title)
  await expectBody(b, text)
  await expect(badge(a)).toHaveAttribute('data-state', 'server')
  await expect(badge(b)).toHaveAttribute('data-state', 'server')
  return title
}

/** Takes both pages offline, or back online (then waits until each has its edits on the server). */
export async function bothOffline(a: Page, b: Page, offline: boolean): Promise<void> {
  await setOffline(a, offline)
  await setOffline(b, offline)
  const options = offline ? {} : { timeout: 20_000 }
  await expect(badge(a)).toHaveAttribute('data-state', offline ? 'offline' : 'server', options)
  await expect(badge(b)).toHaveAttribute('data-state', offline ? 'offline' : 'server', options)
}

/** Waits until both editors hold the same document, node for node and mark for mark. */
export async function expectSameDoc(a: Page, b: Page): Promise<void> {
  await expect.poll(async () => JSON.stringify(await bodyDocJSON(b)), { timeout: 20_000 }).toBe(JSON.stringify(await bodyDocJSON(a)))
}

/** A button of the note editor's formatting toolbar, by its accessible name. */
export const formattingTool = (page: Page, name: string): Locator =>
  page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name, exact: true })

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`) })
}

/**
 * A server for the calling spec file alone (its own port and SQLite file), started before its
 * tests and stopped after: for specs that stop and restart it, or that need an empty notes list.
 */
export function useOwnServer(): WeftServer {
  const server = new WeftServer()
  test.beforeAll(() => server.start())
  test.afterAll(() => server.stop())
  return server
}
