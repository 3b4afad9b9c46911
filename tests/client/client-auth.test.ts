import { createClient, isWeftAuthError, memoryStorage, webSocketTransport, type Client, type WeftAuthError } from '@weft/client'
import { createServer, signAccessToken, type WeftServer } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from './helpers/until.js'

// Issue #16 item 7: a refused token must not leave `whenSaved('server')` waiting forever.
const secret = 'client-auth-secret'
const cleanup: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function jwtServer(): Promise<WeftServer> {
  const server = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', jwtSecret: secret })
  cleanup.push(() => server.close())
  return server
}

function client(server: WeftServer, token: () => string | Promise<string>): Client {
  const c = createClient({
    transport: webSocketTransport(server.wsUrl),
    storage: memoryStorage(),
    tabs: false,
    online: false,
    backoff: { baseMs: 20, maxMs: 200 },
    token,
  })
  cleanup.push(() => c.close())
  return c
}

const good = () => signAccessToken(secret, { sub: 'u1', docs: { '*': 'write' }, expiresInSeconds: 60 })

async function refusedWith(p: Promise<void>): Promise<WeftAuthError> {
  const outcome = await Promise.race([
    p.then(
      () => 'resolved' as const,
      (e: unknown) => e,
    ),
    new Promise((r) => setTimeout(() => r('still waiting after 3 s'), 3_000)),
  ])
  if (!isWeftAuthError(outcome)) throw new Error(`expected a WeftAuthError, got ${String(outcome)}`)
  return outcome
}

describe('[CLIENT-AUTH-3] a refused token', () => {
  const cases = [
    { name: 'missing', token: () => '', reason: 'missing-token' },
    { name: 'invalid', token: () => signAccessToken('another-secret', { sub: 'u1', docs: { '*': 'write' } }), reason: 'invalid-token' },
    { name: 'expired', token: () => signAccessToken(secret, { sub: 'u1', docs: { '*': 'write' }, expiresInSeconds: -5 }), reason: 'expired-token' },
  ] as const
  for (const c of cases) {
    it(`[CLIENT-AUTH-3] rejects whenSaved('server') with a WeftAuthError (${c.name} token) and shows it in status`, async () => {
      const server = await jwtServer()
      const h = client(server, c.token).doc('auth:1')
      await h.ready
      h.doc.getText('t').insert(0, 'kept locally')
      const error = await refusedWith(h.whenSaved('server'))
      expect(error.reason).toBe(c.reason)
      expect(error.message).toContain(c.reason)
      expect(h.status).toMatchObject({ connection: 'unauthorized', savedOnServer: false, unsaved: 1 })
      expect(h.status.authError?.reason).toBe(c.reason)
      // Called again while refused, it says so at once rather than waiting.
      expect((await refusedWith(h.whenSaved('server'))).reason).toBe(c.reason)
    })
  }

  it('[CLIENT-AUTH-3] recovers once the token function returns a good token: the edit uploads, the error clears', async () => {
    const server = await jwtServer()
    let valid = false
    const h = client(server, () => (valid ? good() : '')).doc('auth:2')
    await h.ready
    h.doc.getText('t').insert(0, 'written while refused')
    await refusedWith(h.whenSaved('server'))
    const statuses: string[] = []
    h.on('status', (s) => statuses.push(s.connection))
    valid = true
    await until(() => h.status.connection === 'synced', 'synced with the good token', 5_000)
    await h.whenSaved('server')
    expect(h.status.authError).toBeUndefined()
    expect(h.status).toMatchObject({ savedOnServer: true, unsaved: 0 })
    expect(statuses).toContain('synced')
    // What was written while refused is on the server.
    const reader = client(server, good).doc('auth:2')
    await until(() => reader.doc.getText('t').toString() === 'written while refused', 'a second client reads the edit', 5_000)
  })

  it('[CLIENT-AUTH-3] a token expiring on a welcomed connection ([AUTH-2]) is no refusal: waiters resolve after the token function renews it', async () => {
    const server = await jwtServer()
    let issued = 0
    const h = client(server, () => {
      issued++
      return signAccessToken(secret, { sub: 'u1', docs: { '*': 'write' }, expiresInSeconds: 1 })
    }).doc('auth:3')
    await h.ready
    const saves: Promise<void>[] = []
    // Keep a save pending across the expiry (whole seconds: within 1-2 s).
    for (let i = 0; i < 12; i++) {
      h.doc.getText('t').insert(0, 'x')
      saves.push(h.whenSaved('server'))
      await new Promise((r) => setTimeout(r, 250))
    }
    await Promise.all(saves)
    expect(issued).toBeGreaterThan(1)
  }, 15_000)
})
