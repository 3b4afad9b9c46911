import { type Client, createClient, memoryStorage } from '@weft/client'
import { afterEach, describe, expect, it } from 'vitest'
import { installWeftConsole, type WeftConsole } from './console-helper.js'
import { createInspector, type Inspector } from './inspector.js'
import { vvDiff } from './vv-diff.js'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** Two local-only clients that share edits over BroadcastChannel, as two tabs do. */
function twoTabs(): [Client, Client] {
  const name = `devtools-${Math.random().toString(36).slice(2)}`
  const a = createClient({ name, storage: memoryStorage() })
  const b = createClient({ name, storage: memoryStorage() })
  cleanup.push(
    () => a.close(),
    () => b.close(),
  )
  return [a, b]
}
function inspect(client: Client): Inspector {
  const i = createInspector(client, { outboxDelayMs: 0 })
  cleanup.push(() => i.close())
  return i
}
const until = async (what: string, ok: () => boolean): Promise<void> => {
  const end = Date.now() + 5000
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('createInspector', () => {
  it('lists open docs with status and version vector, and logs local and tab changes with their dots', async () => {
    const [a, b] = twoTabs()
    const ia = inspect(a)
    const ib = inspect(b)
    const ha = a.doc('note:1')
    const hb = b.doc('note:1')
    await Promise.all([ha.ready, hb.ready])
    ha.doc.getText('body').insert(0, 'hello')
    await until('the tab to receive it', () => hb.doc.getText('body').toString() === 'hello')
    await until('both logs', () => ia.state.log.length === 1 && ib.state.log.length === 1)

    const replica = ha.doc.replicaId
    const local = ia.state.log[0]
    expect(local).toMatchObject({ doc: 'note:1', source: 'local', dots: [{ replica, from: 0, to: 5 }] })
    expect(local?.bytes).toBeGreaterThan(0)
    expect(ib.state.log[0]).toMatchObject({ doc: 'note:1', source: 'tab', bytes: undefined, dots: [{ replica, from: 0, to: 5 }] })

    const view = ib.state.docs.find((d) => d.id === 'note:1')
    expect(view).toMatchObject({ ready: true, pending: 0, versionVector: { [replica]: 5 }, status: { connection: 'offline' } })
  })

  it('shows presence by key, the stored outbox, and lets closed docs go', async () => {
    const [a, b] = twoTabs()
    const ib = inspect(b)
    const ha = a.doc('room')
    const hb = b.doc('room')
    await Promise.all([ha.ready, hb.ready])
    ha.presence.set({ name: 'ann' })
    await until('presence at b', () => (ib.state.docs[0]?.presence.others.length ?? 0) === 1)
    expect(ib.state.docs[0]?.presence.others[0]).toEqual({ key: `tab:${ha.doc.replicaId}`, state: { name: 'ann' } })

    await ib.refreshOutbox()
    expect(ib.state.docs[0]?.outbox).toEqual({ entries: 0, bytes: 0 }) // local-only: nothing waits for a server
    await hb.close()
    expect(ib.state.docs).toEqual([])
  })

  it('notifies once per burst and keeps at most logSize entries', async () => {
    const [a] = twoTabs()
    const i = createInspector(a, { logSize: 3 })
    cleanup.push(() => i.close())
    let notified = 0
    i.subscribe(() => notified++)
    const h = a.doc('x')
    await h.ready
    await new Promise((r) => setTimeout(r, 0))
    notified = 0
    const t = h.doc.getText('t')
    for (let k = 0; k < 5; k++) t.insert(k, 'a')
    await Promise.resolve() // the microtask that notifies ran; later storage writes may notify again
    expect(notified).toBe(1)
    expect(i.state.log.map((e) => e.dots[0]?.to)).toEqual([3, 4, 5])
    const before = i.state
    expect(i.state).toBe(before) // stable until something changes
  })
})

describe('vvDiff', () => {
  it('gives the dots the second vector has beyond the first', () => {
    expect(vvDiff({ 1: 3, 2: 5 }, { 1: 3, 2: 7, 9: 1 })).toEqual([
      { replica: 2, from: 5, to: 7 },
      { replica: 9, from: 0, to: 1 },
    ])
  })
})

describe('installWeftConsole', () => {
  it('puts docs(), doc(id) and log() on the target, and removes them again', async () => {
    const [a] = twoTabs()
    const target: { __weft?: WeftConsole } = {}
    const uninstall = installWeftConsole(a, { target, print: false })
    const h = a.doc('note:c')
    await h.ready
    h.doc.getText('body').insert(0, 'hi')
    await until('the log', () => (target.__weft?.log().length ?? 0) === 1)
    expect(target.__weft?.docs().map((d) => d.id)).toEqual(['note:c'])
    expect(target.__weft?.doc('note:c')).toEqual({ body: 'hi' })
    expect(target.__weft?.help()).toContain('docs()')
    uninstall()
    expect(target.__weft).toBeUndefined()
  })
})
