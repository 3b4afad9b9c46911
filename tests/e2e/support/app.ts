import { expect, test as base, type Locator, type Page } from '@playwright/test'
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
export const body = (page: Page): Locator => page.getByRole('textbox', { name: 'Note body' })
export const titleInput = (page: Page): Locator => page.getByRole('textbox', { name: 'Title' })
export const noteRow = (page: Page, title: string): Locator => page.locator('.note-row', { hasText: title })
export const offlineSwitch = (page: Page): Locator => page.getByRole('switch', { name: 'Offline' })

/** Open the app and wait until it is connected and everything is on the server. */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await expect(badge(page)).toHaveAttribute('data-state', 'server')
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

/** Put the caret at `pos` in the note body, with the keyboard as a user would. */
export async function caretAt(page: Page, pos: number): Promise<void> {
  await body(page).focus()
  await page.keyboard.press('Control+Home')
  for (let i = 0; i < pos; i++) await page.keyboard.press('ArrowRight')
  await expect.poll(() => caret(page)).toBe(pos)
}

export const caret = (page: Page): Promise<number> => body(page).evaluate((el: HTMLTextAreaElement) => el.selectionStart)

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
