import { encodeMessage } from '@weft/crdt-core'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { signAccessToken } from '../auth/sign-token.js'
import { createServer, type WeftServer } from '../server.js'

// Issue #16 item 7: an operator must see why clients cannot sync, at the default level, without the token.
describe('auth failures in the server log', () => {
  let server: WeftServer | undefined
  afterEach(async () => {
    await server?.close()
  })

  it('[HELLO-2] a refused token is logged at info with its reason and never the token', async () => {
    const lines: Record<string, unknown>[] = []
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) })
    server = await createServer({ port: 0, host: '127.0.0.1', logger, jwtSecret: 'log-secret' })
    const token = await signAccessToken('log-secret', { sub: 'u1', docs: { '*': 'write' }, expiresInSeconds: -5 })
    const ws = new WebSocket(server.wsUrl)
    await new Promise((r, j) => {
      ws.once('open', r)
      ws.once('error', j)
    })
    const closed = new Promise<number>((r) => ws.once('close', r))
    ws.send(encodeMessage({ type: 'hello', token, clientName: 'log-test' }))
    expect(await closed).toBe(4401)
    const refused = lines.find((l) => l.msg === 'authentication refused')
    expect(refused).toMatchObject({ level: 30, code: 'expired-token', clientName: 'log-test' })
    expect(JSON.stringify(lines)).not.toContain(token)
  })
})
