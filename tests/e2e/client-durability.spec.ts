import { badge, body, expectBody, createNote, expect, noteRow, openApp, openNote, setOffline, test, unique, useOwnServer } from './support/app.js'

// The client's browser guarantees (issue 6): tabs share edits with no server,
// and an edit is in IndexedDB before anything else happens to it.
const server = useOwnServer()

// Key-by-key typing and several pages on a 2-core machine shared with other work: over the
// default 30 s (runs stopped at 30-34 s, each time at a different step, with nothing wrong shown).
test.describe.configure({ timeout: 90_000 })

test('two tabs converge over BroadcastChannel while the server is stopped, then reach it', async ({ context, browser }) => {
  const a = await context.newPage()
  const b = await context.newPage()
  await openApp(a, server.url)
  await openApp(b, server.url)
  const title = unique('Tabs')
  await createNote(a, title)
  await openNote(b, title)

  await server.stop()
  await expect(badge(a)).not.toHaveAttribute('data-state', 'server')
  await body(a).click()
  await a.keyboard.type('from a')
  await expectBody(b, 'from a')
  await body(b).click()
  await b.keyboard.press('End')
  await b.keyboard.type(' and b')
  await expectBody(a, 'from a and b')

  await server.start()
  await expect(badge(a)).toHaveAttribute('data-state', 'server', { timeout: 20_000 })
  await expect(badge(b)).toHaveAttribute('data-state', 'server', { timeout: 20_000 })
  const other = await (await browser.newContext()).newPage() // another browser: only the server can tell it
  await openApp(other, server.url)
  await openNote(other, title)
  await expectBody(other, 'from a and b')
})

// Each local delta is journaled to IndexedDB in the keystroke's own task
// (a blind put, nothing to read first), so a page closed at once keeps it.
test('closing a tab right after typing loses nothing', async ({ context, browser }) => {
  const a = await context.newPage()
  await openApp(a, server.url)
  const title = unique('Closed')
  await createNote(a, title)
  await setOffline(a, true) // so the edit can only survive in IndexedDB
  await body(a).click()
  await a.keyboard.type('typed then closed')
  // The edit has happened once the page shows it (type() may return before the
  // page handled the last keys); then the tab closes at once.
  await expectBody(a, 'typed then closed')
  await a.close({ runBeforeUnload: false }) // no unload handlers: only what reached IndexedDB survives

  const again = await context.newPage() // same browser profile: same IndexedDB
  await again.goto(server.url)
  await openNote(again, title)
  await expectBody(again, 'typed then closed')
  await expect(badge(again)).toHaveAttribute('data-state', 'server')

  const other = await (await browser.newContext()).newPage()
  await openApp(other, server.url)
  await expect(noteRow(other, title)).toBeVisible()
  await openNote(other, title)
  await expectBody(other, 'typed then closed')
})

// [CLIENT-STORE-JOURNAL] A keystroke's journal write must not wait behind the
// ordered writes: those read before they write, so they need the page alive
// to finish, and a journal write queued behind one dies with it. Another tab
// holds the doc meta store so that every ordered write of the typing tab is
// stuck; the typing tab closes; only the journal can have kept its edits.
test('closing a tab whose ordered writes are stuck keeps every keystroke (journal writes wait on nothing)', async ({ context }) => {
  const a = await context.newPage()
  await openApp(a, server.url)
  const title = unique('Stuck')
  await createNote(a, title)
  await setOffline(a, true)

  const holder = await context.newPage() // same profile: same IndexedDB
  await holder.goto(`${server.url}/healthz`) // this origin, without the app in it
  await holder.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name).filter((n): n is string => n !== undefined)
    const open = (name: string): Promise<IDBDatabase> =>
      new Promise((resolve, reject) => {
        const r = indexedDB.open(name)
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
    const dbs = await Promise.all(names.map(open))
    const db = dbs.find((d) => d.objectStoreNames.contains('journal') && d.objectStoreNames.contains('meta'))
    if (!db) throw new Error(`no Weft database among ${names.join(', ')}`)
    // A readwrite transaction on meta kept alive by a chain of reads until released.
    const w = window as unknown as { release?: boolean; held?: boolean }
    w.release = false
    const t = db.transaction('meta', 'readwrite')
    const again = (): void => {
      if (w.release) return
      t.objectStore('meta').count().onsuccess = again
    }
    again()
    w.held = true
  })

  await body(a).click()
  await a.keyboard.type('stuck but kept')
  await expectBody(a, 'stuck but kept')
  await a.close({ runBeforeUnload: false })
  await holder.evaluate(() => {
    ;(window as unknown as { release: boolean }).release = true
  })

  const again = await context.newPage()
  await again.goto(server.url)
  await openNote(again, title)
  await expectBody(again, 'stuck but kept')
})
