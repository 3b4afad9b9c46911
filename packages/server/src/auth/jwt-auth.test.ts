import { sign } from 'hono/jwt'
import { describe, expect, it } from 'vitest'
import { AuthError } from './auth.js'
import { createJwtAuth } from './jwt-auth.js'

const secret = 'test-secret-0123456789'
const now = () => Math.floor(Date.now() / 1000)
const auth = createJwtAuth({ secret })

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'accepted'
  } catch (e) {
    return e instanceof AuthError ? e.code : `other: ${String(e)}`
  }
}

describe('createJwtAuth', () => {
  it('accepts a valid token and authorizes by its doc patterns', async () => {
    const token = await sign({ sub: 'alice', exp: now() + 60, docs: { 'note:*': 'write', 'public:*': 'read' } }, secret)
    const p = await auth.authenticate(token)
    expect(p.id).toBe('alice')
    expect(await auth.authorize(p, 'note:1', 'write')).toBe(true)
    expect(await auth.authorize(p, 'public:1', 'read')).toBe(true)
    expect(await auth.authorize(p, 'public:1', 'write')).toBe(false)
    expect(await auth.authorize(p, 'other:1', 'read')).toBe(false)
  })

  it('rejects a token signed with another secret', async () => {
    const forged = await sign({ sub: 'mallory', exp: now() + 60, docs: { '*': 'write' } }, 'not-the-secret')
    expect(await code(auth.authenticate(forged))).toBe('invalid-token')
  })

  it('rejects a tampered payload', async () => {
    const token = await sign({ sub: 'bob', exp: now() + 60, docs: { 'a:*': 'read' } }, secret)
    const [h, , s] = token.split('.')
    const body = Buffer.from(JSON.stringify({ sub: 'bob', exp: now() + 60, docs: { '*': 'write' } })).toString('base64url')
    expect(await code(auth.authenticate(`${h}.${body}.${s}`))).toBe('invalid-token')
  })

  it('rejects an expired token and one without exp', async () => {
    const expired = await sign({ sub: 'bob', exp: now() - 10, docs: { '*': 'write' } }, secret)
    expect(await code(auth.authenticate(expired))).toBe('expired-token')
    const noExp = await sign({ sub: 'bob', docs: { '*': 'write' } }, secret)
    expect(await code(auth.authenticate(noExp))).toBe('invalid-token')
  })

  it('rejects missing, garbage and claim-less tokens', async () => {
    expect(await code(auth.authenticate(undefined))).toBe('missing-token')
    expect(await code(auth.authenticate('not.a.jwt'))).toBe('invalid-token')
    const noDocs = await sign({ sub: 'bob', exp: now() + 60 }, secret)
    expect(await code(auth.authenticate(noDocs))).toBe('invalid-token')
    const badDocs = await sign({ sub: 'bob', exp: now() + 60, docs: { '*': 'root' } }, secret)
    expect(await code(auth.authenticate(badDocs))).toBe('invalid-token')
  })

  it('a token for doc A does not open doc B', async () => {
    const token = await sign({ sub: 'carol', exp: now() + 60, docs: { 'note:A': 'write' } }, secret)
    const p = await auth.authenticate(token)
    expect(await auth.authorize(p, 'note:A', 'write')).toBe(true)
    expect(await auth.authorize(p, 'note:B', 'read')).toBe(false)
  })

  it('does not accept an alg=none token', async () => {
    const h = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    const b = Buffer.from(JSON.stringify({ sub: 'x', exp: now() + 60, docs: { '*': 'write' } })).toString('base64url')
    expect(await code(auth.authenticate(`${h}.${b}.`))).toBe('invalid-token')
  })
})

describe('signAccessToken', () => {
  it('issues tokens createJwtAuth accepts, and expired ones it refuses', async () => {
    const { signAccessToken } = await import('./sign-token.js')
    const p = await auth.authenticate(await signAccessToken(secret, { sub: 'dan', docs: { 'x:*': 'read' } }))
    expect(p).toMatchObject({ id: 'dan', docs: { 'x:*': 'read' }, expiresAt: expect.any(Number) })
    expect(await code(auth.authenticate(await signAccessToken(secret, { sub: 'dan', docs: {}, expiresInSeconds: -5 })))).toBe('expired-token')
  })
})
