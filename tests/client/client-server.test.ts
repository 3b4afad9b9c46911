import { createClient, memoryStorage, offlineSwitch, webSocketTransport, type Client } from '@weft/client'
import type { ProtocolMessage } from '@weft/crdt-core'
import { recordingTransport } from './helpers/recording-transport.js'
import { createServer, type WeftServer } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from './helpers/until.js'

// Integration: @weft/client in Node (ws) against the real @weft/server on loopback.
const cleanup: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function startServer(options: Parameters<typeof createServer>[0] = {}): Promise<WeftServer> {
  const server = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...options })
  cleanup.push(() => server.close())
  return server
}

function nodeClient(server: WeftServer, opts: { compaction?: { maxLogCount: number }; deltaFormat?: 4 | 5 | 6 } = {}) {
  // Frames are recorded below the switch: only what really went to the socket.
  const recorder = recordingTransport(webSocketTransport(server.wsUrl))
  const net = offlineSwitch(recorder.transport)
  const client: Client = createClient({
    transport: net.transport,
    storage: memoryStorage(),
    tabs: false,
    backoff: { baseMs: 20, maxMs: 200 },
    ...opts,
  })
  cleanup.push(() => client.close())
  return { client, net, sent: recorder.sent, messages: recorder.messages }
}

const text = (c: Client) => c.doc('note').doc.getText('body')

describe('client <-> server over WebSocket on loopback', () => {
  it('[CLIENT-INT-1] two Node clients converge', async () => {
    const server = await startServer()
    const { client: a } = nodeClient(server)
    const { client: b } = nodeClient(server)
    await Promise.all([a.doc('note').ready, b.doc('note').ready])
    text(a).insert(0, 'alpha ')
    text(b).insert(0, 'beta ')
    b.doc('note').doc.getMap('meta').set('title', 'converged')
    await until(() => text(a).length === 11 && text(a).toString() === text(b).toString(), 'convergence')
    await Promise.all([a.doc('note').whenSaved('server'), b.doc('note').whenSaved('server')])
    await until(() => a.doc('note').doc.digest() === b.doc('note').doc.digest(), 'equal digests')
    expect(a.doc('note').doc.getMap('meta').get('title')).toBe('converged')
    expect(a.doc('note').status).toMatchObject({ connection: 'synced', unsaved: 0, savedOnServer: true })
  })

  it('[CLIENT-INT-2] offline edits reach the server and a late client after reconnect', async () => {
    const server = await startServer()
    const { client: a, net } = nodeClient(server)
    const h = a.doc('note')
    await h.ready
    await until(() => h.status.connection === 'synced', 'a synced')
    net.setOffline(true)
    await until(() => h.status.connection === 'offline', 'a offline')
    text(a).insert(0, 'written offline')
    await h.whenSaved('local')
    expect(h.status).toMatchObject({ unsaved: 1, savedLocally: true, savedOnServer: false })
    net.setOffline(false)
    await h.whenSaved('server')
    const { client: late } = nodeClient(server)
    await late.doc('note').ready
    await until(() => text(late).toString() === 'written offline', 'late client to receive it')
  })

  it('[CLIENT-INT-3] a reconnect after 10k offline edits uploads ONE compact delta', async () => {
    const server = await startServer()
    const { client: a, net, sent, messages } = nodeClient(server, { compaction: { maxLogCount: 1000 } })
    const h = a.doc('note')
    await h.ready
    await until(() => h.status.connection === 'synced', 'synced')
    net.setOffline(true)
    await until(() => h.status.connection === 'offline', 'offline')
    let individual = 0
    let edits = 0
    h.doc.on('delta', (d) => {
      individual += d.byteLength
      edits++
    })
    const body = h.doc.getText('body')
    for (let i = 0; i < 10_000; i++) body.insert(body.length, String.fromCharCode(97 + (i % 26)))
    await h.whenSaved('local')
    const from = sent.length
    net.setOffline(false)
    await h.whenSaved('server')
    const deltas = messages.slice(from).filter((m): m is Extract<ProtocolMessage, { type: 'delta' }> => m?.type === 'delta')
    const uploaded = deltas.reduce((n, m) => n + m.delta.byteLength, 0)
    console.log(
      `[CLIENT-INT-3] ${edits} offline edits -> ${deltas.length} delta frame on reconnect, ${uploaded} B; ` +
        `the ${edits} individual deltas sum to ${individual} B (${(individual / Math.max(1, uploaded)).toFixed(1)}x larger)`,
    )
    expect(edits).toBe(10_000)
    expect(deltas).toHaveLength(1)
    expect(uploaded).toBeLessThan(individual / 10)
    const { client: other } = nodeClient(server)
    await other.doc('note').ready
    await until(() => text(other).length === 10_000, 'another client to get all 10k characters')
    expect(text(other).toString()).toBe(body.toString())
  }, 60_000)

  it('[CLIENT-INT-4] the token reaches the server; a read-only doc rejects whenSaved("server") instead of hanging', async () => {
    const tokens: (string | undefined)[] = []
    const server = await startServer({
      authenticate: async (token) => {
        tokens.push(token)
        return { id: token ?? 'nobody', docs: { '*': 'read' } }
      },
      authorize: (_p, _doc, access) => access === 'read',
    })
    const client = createClient({ url: server.wsUrl, token: async () => 'reader-1', storage: memoryStorage(), tabs: false })
    cleanup.push(() => client.close())
    const h = client.doc('note')
    await h.ready
    const errors: unknown[] = []
    h.on('error', (e) => errors.push(e))
    await until(() => h.status.connection === 'synced', 'synced as a reader')
    h.doc.getText('body').insert(0, 'not allowed')
    await expect(h.whenSaved('server')).rejects.toMatchObject({ code: 'read-only' })
    expect(tokens).toContain('reader-1')
    expect(errors.length).toBeGreaterThan(0)
    expect(h.status.savedOnServer).toBe(false)
  })

  it('[CLIENT-PRES-5] two tabs of one browser (one BroadcastChannel, one server) see each other once, never as two people', async () => {
    const server = await startServer()
    // Two "tabs": two clients of one app name in one process share BroadcastChannel, and each has its own server session.
    const name = `pres-${Math.random().toString(36).slice(2)}`
    const tab = () => {
      const client = createClient({ name, transport: webSocketTransport(server.wsUrl), storage: memoryStorage(), presence: { throttleMs: 0 } })
      cleanup.push(() => client.close())
      return client.doc('note')
    }
    const a = tab()
    const b = tab()
    const { client: other } = nodeClient(server) // another browser: no channel to share
    const c = other.doc('note')
    await Promise.all([a.ready, b.ready, c.ready])
    // Record every size of B's and C's view of the others while A moves its caret, and after.
    const sizes = { b: new Set<number>(), c: new Set<number>() }
    b.on('presence', () => sizes.b.add(b.presence.others.size))
    c.on('presence', () => sizes.c.add(c.presence.others.size))
    b.presence.set({ who: 'b' })
    c.presence.set({ who: 'c' })
    for (let caret = 0; caret < 20; caret++) {
      a.presence.set({ who: 'a', caret })
      await new Promise((r) => setTimeout(r, 25))
    }
    await until(() => [...b.presence.others.values()].some((s) => (s as { caret?: number }).caret === 19), 'b sees a at 19')
    await until(() => c.presence.others.size === 2, 'c sees a and b')
    await new Promise((r) => setTimeout(r, 500))
    const whoB = [...b.presence.others.values()].map((s) => (s as { who: string }).who).sort()
    expect(whoB, 'b sees a once (over the channel), and c').toEqual(['a', 'c'])
    expect(Math.max(...sizes.b), 'b never showed a twice').toBeLessThanOrEqual(2)
    expect(Math.max(...sizes.c)).toBeLessThanOrEqual(2)
  })

  it('[CLIENT-TAB-6] a tab that is offline types; the tab beside it, online, sends it to the server, counting it unsaved until acked', async () => {
    const server = await startServer()
    const name = `relay-${Math.random().toString(36).slice(2)}`
    const tab = (offline: boolean) => {
      const net = offlineSwitch(webSocketTransport(server.wsUrl))
      net.setOffline(offline)
      const client = createClient({ name, transport: net.transport, storage: memoryStorage(), backoff: { baseMs: 20, maxMs: 200 } })
      cleanup.push(() => client.close())
      return { handle: client.doc('note'), net }
    }
    const a1 = tab(true)
    const a2 = tab(false)
    const { client: other } = nodeClient(server)
    const c = other.doc('note')
    await Promise.all([a1.handle.ready, a2.handle.ready, c.ready])
    await until(() => a2.handle.status.connection === 'synced' && c.status.connection === 'synced', 'a2 and c synced')
    const unsavedSeen = new Set<number>()
    a2.handle.on('status', (st) => unsavedSeen.add(st.unsaved))
    a1.handle.doc.getText('body').insert(0, 'typed offline in tab 1')
    await until(() => c.doc.getText('body').toString() === 'typed offline in tab 1', 'the other browser gets it through tab 2')
    await until(() => a2.handle.status.savedOnServer && a2.handle.status.unsaved === 0, 'tab 2 saved it')
    expect(
      [...unsavedSeen].some((n) => n > 0),
      'tab 2 counted it unsaved until the server acked it',
    ).toBe(true)
    expect(a1.handle.status.connection).toBe('offline')
    // Tab 1 back online uploads its own copy too: joined once, nothing doubled.
    a1.net.setOffline(false)
    await until(() => a1.handle.status.savedOnServer && a1.handle.status.unsaved === 0, 'tab 1 saved')
    expect(c.doc.getText('body').toString()).toBe('typed offline in tab 1')
  })

  it('[FMT-1] clients writing delta formats 6, 5 and 4 share a doc through the server and converge; each edit travels as written', async () => {
    const server = await startServer()
    const clients = ([undefined, 5, 4] as const).map((deltaFormat) => ({
      format: deltaFormat ?? 6,
      ...nodeClient(server, deltaFormat === undefined ? {} : { deltaFormat }),
    }))
    await Promise.all(clients.map(({ client }) => client.doc('note').ready))
    await Promise.all(clients.map(({ client }) => until(() => client.doc('note').status.connection === 'synced', 'synced')))
    for (const [i, { client }] of clients.entries()) {
      const doc = client.doc('note').doc
      text(client).insert(0, `f${i} typed; `)
      text(client).delete(1, 1)
      doc.getList('numbers').push(i, -i * 1000, 2 ** 40)
      doc.getMap('meta').set(`by${i}`, { i })
    }
    const [a, b, c] = clients.map(({ client }) => client)
    await until(
      () => a!.doc('note').doc.digest() === b!.doc('note').doc.digest() && b!.doc('note').doc.digest() === c!.doc('note').doc.digest(),
      'equal digests',
    )
    await Promise.all(clients.map(({ client }) => client.doc('note').whenSaved('server')))
    expect(a!.doc('note').doc.getList('numbers').length).toBe(9)
    // What each client sent is in its own format (the first byte of each delta it uploaded).
    for (const { format, messages } of clients) {
      const versions = new Set(messages.flatMap((m) => (m?.type === 'delta' ? [m.delta[0]] : [])))
      expect([...versions], `deltaFormat ${format}`).toEqual([format])
    }
    // A client that joins later loads the mix from the server.
    const { client: late } = nodeClient(server)
    await late.doc('note').ready
    await until(() => late.doc('note').doc.digest() === a!.doc('note').doc.digest(), 'late client to catch up')
  })
})
