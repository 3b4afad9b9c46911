import { Doc, type ProtocolMessage, isWeftSyncError } from '@weft/crdt-core'
import { type Client, createClient, memoryStorage, webSocketTransport } from '@weft/client'
import { signAccessToken } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { forgedDotsDelta } from '../../packages/crdt-core/src/test-support/hostile/craft.js'
import { until } from '../client/helpers/until.js'
import { RawClient } from '../server/helpers/raw-client.js'
import { type ServerProcess, startServerProcess } from '../server/helpers/server-process.js'
import { tempDb } from '../server/helpers/temp-server.js'

/**
 * Issue 15 item 8 against the real CLI process: another writer claims the
 * victim's replica (its id is in every sync reply) with counters up to
 * 2^53 - 2. [BIND-1]: with authentication the server refuses it. [BIND-2]:
 * in open mode, which has no identity to bind to, the victim's client
 * shows the error instead of reporting saved what the server lacks.
 */
const SECRET = 'replica-binding-secret'
const LAST_COUNTER = 2 ** 53 - 2
const DOC = 'note:victim'
const token = (sub: string): Promise<string> => signAccessToken(SECRET, { sub, docs: { 'note:*': 'write' }, expiresInSeconds: 600 })

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function server(env: Record<string, string>): Promise<ServerProcess> {
  const db = tempDb()
  const proc = await startServerProcess(['--db', db.path], env, { readyTimeoutMs: 60_000 })
  cleanup.push(() => db.cleanup())
  cleanup.push(() => proc.child.kill('SIGKILL'))
  return proc
}

function victim(p: ServerProcess, auth?: Promise<string>): Client {
  const c = createClient({
    transport: webSocketTransport(p.wsUrl),
    storage: memoryStorage(),
    tabs: false,
    online: false,
    backoff: { baseMs: 20, maxMs: 200 },
    ...(auth !== undefined && { token: () => auth }),
  })
  cleanup.push(() => c.close())
  return c
}

/** The attack as the issue describes it: read the victim's replica and counter from a sync reply, then forge the rest of its counters. */
async function attack(p: ServerProcess, auth: Promise<string> | string, replica: number): Promise<ProtocolMessage> {
  const mallory = await RawClient.hello(p.wsUrl, await auth, 'mallory')
  cleanup.push(() => mallory.ws.terminate())
  const sync = mallory.next<Extract<ProtocolMessage, { type: 'sync' }>>((m) => m.type === 'sync')
  mallory.send({ type: 'subscribe', doc: DOC, vv: {} })
  const counter = (await sync).vv[replica] ?? 0
  expect(counter).toBeGreaterThan(0)
  const answer = mallory.next((m) => m.type === 'ack' || m.type === 'error')
  mallory.send({ type: 'delta', doc: DOC, seq: 1, delta: forgedDotsDelta(replica, counter, LAST_COUNTER, 'body') })
  return answer
}

/** What a fresh reader loads from the server. */
async function serverText(p: ServerProcess, auth: Promise<string>): Promise<string> {
  const reader = await RawClient.hello(p.wsUrl, await auth, 'reader')
  const sync = reader.next<Extract<ProtocolMessage, { type: 'sync' }>>((m) => m.type === 'sync')
  reader.send({ type: 'subscribe', doc: DOC, vv: {} })
  const doc = new Doc()
  doc.applyDelta((await sync).delta)
  reader.close()
  return doc.getText('body').toString()
}

describe("[BIND-1] [BIND-2] a writer cannot make a victim's edits vanish (issue 15 item 8, real server process)", () => {
  it('[BIND-1] with JWTs the forged delta is refused replica-owned, and every later edit of the victim is saved and on the server', async () => {
    const p = await server({ WEFT_JWT_SECRET: SECRET })
    const alice = victim(p, token('alice'))
    const h = alice.doc(DOC)
    await h.ready
    const text = h.doc.getText('body')
    text.insert(0, 'first ')
    await h.whenSaved('server')
    const answer = await attack(p, token('mallory'), h.doc.replicaId)
    expect(answer).toMatchObject({ type: 'error', code: 'replica-owned', doc: DOC })
    for (const word of ['second ', 'third ']) {
      text.insert(text.length, word)
      await h.whenSaved('server')
    }
    expect(h.status).toMatchObject({ savedOnServer: true, unsaved: 0 })
    expect(h.status.syncError).toBeUndefined()
    // Saved means on the server: a fresh reader sees every edit.
    expect(await serverText(p, token('reader'))).toBe('first second third ')
  }, 120_000)

  it('[BIND-2] in open mode the forgery is taken (no identity to bind), but the victim never reports saved what the server lacks', async () => {
    const p = await server({})
    const anon = victim(p)
    const h = anon.doc(DOC)
    await h.ready
    const text = h.doc.getText('body')
    text.insert(0, 'first ')
    await h.whenSaved('server')
    await attack(p, '', h.doc.replicaId)
    await until(() => h.status.syncError !== undefined, 'the victim to see the forgery')
    expect(h.status.syncError?.code).toBe('replica-owned')
    text.insert(text.length, 'second ')
    const saved = await h.whenSaved('server').then(
      () => 'saved',
      (e: unknown) => e,
    )
    expect(isWeftSyncError(saved) && saved.code).toBe('replica-owned')
    expect(h.status.unsaved).toBeGreaterThan(0)
    expect(h.status.savedOnServer).toBe(false)
    // Its own counter never jumped: the forged dots were not joined.
    expect(h.doc.versionVector()[h.doc.replicaId]).toBeLessThan(100)
  }, 120_000)
})
