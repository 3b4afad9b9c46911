import {
  createClient,
  isWeftOutcomeUnknownError,
  isWeftStrongInputError,
  isWeftUnavailableError,
  memoryStorage,
  offlineSwitch,
  webSocketTransport,
  type Client,
} from '@weft/client'
import { isWeftSyncError } from '@weft/crdt-core'
import { MemoryStrongOps, createServer, signAccessToken, type ServerOptions, type StrongOps, type WeftServer } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from './helpers/until.js'

// Issue #21: strong operations reach clients through the server ([STRONG-2]..[STRONG-5]).
const cleanup: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function server(options: ServerOptions = {}): Promise<WeftServer> {
  const s = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...options })
  cleanup.push(() => s.close())
  return s
}

function client(s: WeftServer, opts: { net?: ReturnType<typeof offlineSwitch>; token?: string } = {}): Client {
  const c = createClient({
    transport: opts.net?.transport ?? webSocketTransport(s.wsUrl),
    storage: memoryStorage(),
    tabs: false,
    online: opts.net?.online ?? false,
    backoff: { baseMs: 20, maxMs: 200 },
    ...(opts.token !== undefined && { token: opts.token }),
  })
  cleanup.push(() => c.close())
  return c
}

async function connected(c: Client): Promise<Client> {
  await until(() => c.strong.available, 'a welcomed connection')
  return c
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`)
    },
    (e: unknown) => e,
  )
}

describe('client.strong', () => {
  it('[STRONG-5] claim / release / CAS / bounded add reach the server and agree across clients', async () => {
    const s = await server({ strong: new MemoryStrongOps() })
    const ann = await connected(client(s))
    const bob = await connected(client(s))
    expect(await ann.strong.claim('/n/trip-to-lisbon', 'ann')).toEqual({ ok: true, holder: 'ann' })
    expect(await bob.strong.claim('/n/trip-to-lisbon', 'bob')).toEqual({ ok: false, holder: 'ann' })
    expect(await bob.strong.readClaim('/n/trip-to-lisbon')).toEqual({ holder: 'ann' })
    expect(await bob.strong.release('/n/trip-to-lisbon', 'bob')).toEqual({ ok: false, holder: 'ann' })
    expect(await ann.strong.release('/n/trip-to-lisbon', 'ann')).toEqual({ ok: true, holder: null })
    expect(await ann.strong.compareAndSet('owner', null, { id: 'ann' })).toEqual({ ok: true, value: { id: 'ann' } })
    expect(await bob.strong.compareAndSet('owner', null, { id: 'bob' })).toEqual({ ok: false, value: { id: 'ann' } })
    expect(await bob.strong.read('owner')).toEqual({ value: { id: 'ann' } })
    const adds = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? ann : bob).strong.add('seats', 1, { max: 10 })))
    expect(adds.filter((r) => r.ok).length).toBe(10)
    expect(await ann.strong.readCounter('seats')).toEqual({ value: 10 })
  })

  it('[STRONG-5] offline, a call is refused at once with WeftUnavailableError(offline), never queued', async () => {
    const ops = new MemoryStrongOps()
    const s = await server({ strong: ops })
    const net = offlineSwitch(webSocketTransport(s.wsUrl))
    const c = await connected(client(s, { net }))
    net.setOffline(true)
    await until(() => !c.strong.available, 'offline')
    const e = await failure(c.strong.claim('/n/offline', 'ann'))
    expect(isWeftUnavailableError(e) && e.code).toBe('offline')
    net.setOffline(false)
    await connected(c)
    await new Promise((r) => setTimeout(r, 100))
    // Nothing was sent later either: the name is still free.
    expect(await ops.readClaim('/n/offline')).toEqual({ holder: null })
    // A client without a server refuses the same way.
    const local = createClient({ storage: memoryStorage(), tabs: false, online: false })
    cleanup.push(() => local.close())
    const l = await failure(local.strong.add('seats', 1))
    expect(isWeftUnavailableError(l) && l.code).toBe('offline')
  })

  it('[STRONG-5] a server without a backend refuses (unavailable), bad arguments never leave the client', async () => {
    const s = await server()
    const c = await connected(client(s))
    const e = await failure(c.strong.claim('/n/x', 'ann'))
    expect(isWeftUnavailableError(e) && e.code).toBe('unreachable')
    const bad = await failure(c.strong.add('seats', 1.5))
    expect(isWeftStrongInputError(bad) && bad.code).toBe('bad-number')
    const bad2 = await failure(c.strong.claim('', 'ann'))
    expect(isWeftStrongInputError(bad2) && bad2.code).toBe('bad-key')
  })

  it('[STRONG-5] a connection lost before the answer is outcome unknown, not a refusal', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => (release = r))
    const inner = new MemoryStrongOps()
    // A backend that decides, then answers only when the gate opens: the claim happened, the answer is late.
    const slow: StrongOps = Object.assign(Object.create(inner) as StrongOps, {
      claim: async (n: string, o: string) => {
        const r = await inner.claim(n, o)
        await gate
        return r
      },
    })
    const s = await server({ strong: slow })
    const net = offlineSwitch(webSocketTransport(s.wsUrl))
    const c = await connected(client(s, { net }))
    const pending = failure(c.strong.claim('/n/late', 'ann'))
    await new Promise((r) => setTimeout(r, 50))
    net.setOffline(true)
    const e = await pending
    expect(isWeftOutcomeUnknownError(e) && e.code).toBe('connection-lost')
    release()
    expect(await inner.readClaim('/n/late')).toEqual({ holder: 'ann' })
  })

  it('[STRONG-3] keys are authorized like doc ids: the token must grant write on the key', async () => {
    const secret = 'strong-auth-secret-0123456789'
    const s = await server({ strong: new MemoryStrongOps(), jwtSecret: secret })
    const token = await signAccessToken(secret, { sub: 'ann', docs: { '/n/*': 'write', seats: 'read' }, expiresInSeconds: 60 })
    const c = await connected(client(s, { token }))
    expect(await c.strong.claim('/n/mine', 'ann')).toEqual({ ok: true, holder: 'ann' })
    const e = await failure(c.strong.add('seats', 1))
    expect(isWeftSyncError(e) && e.code).toBe('forbidden')
    expect(await c.strong.readCounter('seats')).toEqual({ value: 0 })
    const other = await failure(c.strong.claim('elsewhere', 'ann'))
    expect(isWeftSyncError(other) && other.code).toBe('forbidden')
    // The connection stays: a later call still works.
    expect(await c.strong.readClaim('/n/mine')).toEqual({ holder: 'ann' })
  })
})
