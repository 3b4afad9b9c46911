import { Doc, Writer, encodeMessage } from '@weft/crdt-core'
import { WebSocket } from 'ws'
import {
  forgedDotsDelta,
  hugeKeyDeflatedState,
  manyEmptyContainersDelta,
  nestedMapsDelta,
  zeroBomb,
} from '../../packages/crdt-core/src/test-support/hostile/craft.js'
import { RawClient } from '../server/helpers/raw-client.js'
import type { AttackTrace } from './attack-log.js'

/** One hostile client's move against a server; resolves when it is done (or the server closed it). */
export type Attack = (ctx: AttackContext) => Promise<void>

export interface AttackContext {
  readonly wsUrl: string
  readonly rand: () => number
  /** A doc honest clients use: attacks aim only refused input at it. */
  readonly honestDoc: string
  /** Replica ids honest clients write with (for forged dots). */
  readonly honestReplicas: readonly number[]
  readonly maxFrameBytes: number
  /** The server's bound on what a client's deflated state may inflate to ([LIM-INFLATE-1]). */
  readonly maxInflatedBytes: number
  /** The token this attacker says hello with ('' in open mode; a valid writer's token with a JWT secret). */
  readonly token: string
  /** Where the attack records its shape and connections (a slow probe names what was in flight). */
  readonly trace: AttackTrace
}

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
const hostileDoc = (rand: () => number) => `h:${Math.floor(rand() * 40)}`

/** Waits for the socket to close or `ms` to pass, then closes it. */
async function settle(c: RawClient, ms = 300): Promise<void> {
  await Promise.race([c.closed, new Promise((r) => setTimeout(r, ms))])
  c.ws.terminate()
}

/** A connection that said hello with the attacker's token, recorded in the attack's trace. */
async function hello(ctx: AttackContext): Promise<RawClient> {
  return ctx.trace.client(await RawClient.hello(ctx.wsUrl, ctx.token, 'hostile'))
}

async function subscribed(ctx: AttackContext, doc: string): Promise<RawClient> {
  ctx.trace.shape(`doc=${doc}`)
  const c = await hello(ctx)
  const ok = c.next((m) => (m.type === 'sync' || m.type === 'error') && 'doc' in m && m.doc === doc, 5_000)
  c.send({ type: 'subscribe', doc, vv: {} })
  await ok.catch(() => undefined)
  return c
}

/** The deltas of `n` transactions of `fn` on a doc of `replicaId`. */
function transactions(n: number, fn: (d: Doc, i: number) => void, replicaId?: number): Uint8Array[] {
  const d = new Doc(replicaId === undefined ? {} : { replicaId })
  const out: Uint8Array[] = []
  d.on('delta', (x) => out.push(x))
  for (let i = 0; i < n; i++) d.transact(() => fn(d, i))
  return out
}

function presenceFrame(doc: string, json: string): Uint8Array {
  const head = encodeMessage({ type: 'presence', doc, peerId: 0, state: 0 })
  const w = new Writer()
  w.writeString(json)
  const tail = w.finish()
  const frame = new Uint8Array(head.length - 2 + tail.length)
  frame.set(head.subarray(0, head.length - 2))
  frame.set(tail, head.length - 2)
  return frame
}

/** Structure-aware generators: each builds well-formed-looking input aimed at one weakness. */
export const ATTACKS: Record<string, Attack> = {
  async deepPresence(ctx) {
    const doc = ctx.rand() < 0.5 ? ctx.honestDoc : hostileDoc(ctx.rand)
    const c = await subscribed(ctx, doc)
    const depth = 1_000 + Math.floor(ctx.rand() * 30_000)
    ctx.trace.shape(`depth=${depth}`)
    c.sendRaw(presenceFrame(doc, `${'['.repeat(depth)}${']'.repeat(depth)}`))
    await settle(c)
  },
  async nestedMaps(ctx) {
    // Hand-written past the API's bound: deeper than MAX_CONTAINER_DEPTH (256) is refused too-deep ([LIMIT-3]).
    const doc = hostileDoc(ctx.rand)
    const c = await subscribed(ctx, doc)
    const depth = 200 + Math.floor(ctx.rand() * 5_000)
    const state = ctx.rand() < 0.3
    ctx.trace.shape(`depth=${depth}${state ? ' state' : ''}`)
    c.send({ type: 'delta', doc, seq: 1, delta: nestedMapsDelta(depth, { state }) })
    await settle(c)
  },
  async hugeString(ctx) {
    const doc = hostileDoc(ctx.rand)
    const c = await subscribed(ctx, doc)
    const size = Math.floor(ctx.rand() * (ctx.maxFrameBytes - 4096))
    ctx.trace.shape(`chars=${size}`)
    const [delta] = transactions(1, (d) => d.getText('t').insert(0, 'w'.repeat(size)))
    c.send({ type: 'delta', doc, seq: 1, delta: delta! })
    await settle(c, 1_000)
  },
  async hugeKey(ctx) {
    // A deflated state whose map key is 200 KiB to 3 MiB of 'a' (issue 15 item 1 was 600 M): inflated
    // within the bound, then refused at the key's length, before the string is built ([LIMIT-1]).
    const doc = hostileDoc(ctx.rand)
    const c = await subscribed(ctx, doc)
    const keyBytes = pick(ctx.rand, [200 * 1024, 3 * 1024 * 1024])
    ctx.trace.shape(`keyBytes=${keyBytes}`)
    c.send({ type: 'delta', doc, seq: 1, delta: hugeKeyDeflatedState(keyBytes) })
    await settle(c)
  },
  async hugeCounts(ctx) {
    const doc = hostileDoc(ctx.rand)
    const c = await subscribed(ctx, doc)
    const sign = ctx.rand() < 0.5 ? 1 : -1
    ctx.trace.shape(`by=${sign}*2^51`)
    const [delta] = transactions(1, (d) => d.getCounter('c').increment(2 ** 51 * sign))
    c.send({ type: 'delta', doc, seq: 1, delta: delta! })
    await settle(c)
  },
  async manyContainers(ctx) {
    // 20k-34k containers in one frame (under the 256 KiB frame limit): the decoder's duplicate check is linear ([LIMIT-4]).
    const doc = hostileDoc(ctx.rand)
    const c = await subscribed(ctx, doc)
    const n = 20_000 + Math.floor(ctx.rand() * 14_000)
    ctx.trace.shape(`containers=${n}`)
    c.send({ type: 'delta', doc, seq: 1, delta: manyEmptyContainersDelta(n) })
    await settle(c)
  },
  async deflateBomb(ctx) {
    // ~20 MB of zeros in ~130 KB, or as much as the server's inflate bound for a client frame: claiming
    // 1 GB (refused before inflating), lying short (inflating stops past the claim), or honest (over the
    // bound: refused from its header, [LIM-INFLATE-1]; within it: inflated, then refused) ([LIMIT-2]).
    const doc = hostileDoc(ctx.rand)
    const c = await subscribed(ctx, doc)
    const raw = pick(ctx.rand, [20 * 1024 * 1024, ctx.maxInflatedBytes])
    const claim = pick(ctx.rand, [1024 * 1024 * 1024, 1000, raw])
    ctx.trace.shape(`inflated=${raw} claim=${claim}`)
    c.send({ type: 'delta', doc, seq: 1, delta: zeroBomb(raw, claim) })
    await settle(c)
  },
  async forgedDots(ctx) {
    // Claims an honest replica with counters far ahead of what the server has of it (read from the sync
    // reply, as an attacker would): dangling, so refused ([CAUSAL-1]; with JWTs, replica-owned first, [BIND-1]).
    // Far enough ahead that the honest writer cannot catch up meanwhile: dots it already used would be an
    // equivocation, which open mode cannot tell from a write (no identity, [BIND-2]).
    const c = await subscribed(ctx, ctx.honestDoc)
    const replica = pick(ctx.rand, ctx.honestReplicas)
    const skip = 1_000 + Math.floor(ctx.rand() * 50)
    const sync = c.received.find((m) => m.type === 'sync' && m.doc === ctx.honestDoc)
    const counter = (sync?.type === 'sync' ? sync.vv[replica] : undefined) ?? 0
    ctx.trace.shape(`replica=${replica} from=${counter + skip}`)
    c.send({ type: 'delta', doc: ctx.honestDoc, seq: 1, delta: forgedDotsDelta(replica, counter + skip, counter + skip + 1, 'forged') })
    await settle(c)
  },
  async danglingDeps(ctx) {
    const doc = ctx.rand() < 0.3 ? ctx.honestDoc : hostileDoc(ctx.rand)
    const c = await subscribed(ctx, doc)
    const size = Math.floor(ctx.rand() * (ctx.maxFrameBytes - 8192))
    ctx.trace.shape(`4x chars=${size}`)
    for (let i = 0; i < 4; i++) {
      const ds = transactions(2, (d, k) => d.getText('t').insert(0, k === 0 ? 'a' : 'd'.repeat(size)))
      c.send({ type: 'delta', doc, seq: i + 1, delta: ds[1]! })
      c.send({ type: 'subscribe', doc, vv: {} })
    }
    await settle(c, 1_000)
  },
  async mutatedDelta(ctx) {
    const doc = hostileDoc(ctx.rand)
    const c = await subscribed(ctx, doc)
    const [delta] = transactions(1, (d) => {
      d.getText('t').insert(0, 'mutate me')
      d.getMap('m').set('k', { a: [1, 2, 3] })
    })
    const bytes = delta!.slice()
    for (let i = 0; i < 1 + Math.floor(ctx.rand() * 4); i++) {
      const at = Math.floor(ctx.rand() * bytes.length)
      bytes[at] = Math.floor(ctx.rand() * 256)
    }
    c.send({ type: 'delta', doc, seq: 1, delta: bytes })
    await settle(c)
  },
  async oversizedFrame(ctx) {
    const c = await hello(ctx)
    const size = ctx.maxFrameBytes + 1 + Math.floor(ctx.rand() * 1024)
    ctx.trace.shape(`bytes=${size}`)
    c.sendRaw(new Uint8Array(size))
    await settle(c, 1_000)
  },
  async fragmentedFrames(ctx) {
    // One message in many WebSocket continuation frames; sometimes more in total than a frame may hold.
    const ws = new WebSocket(ctx.wsUrl)
    const socket = { port: 0, bytes: 0 }
    ctx.trace.sockets.push(socket)
    ws.once('upgrade', (res) => {
      socket.port = res.socket.localPort ?? 0
    })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    ws.on('error', () => {})
    ws.send(encodeMessage({ type: 'hello', token: ctx.token, clientName: 'fragments' }))
    const over = ctx.rand() < 0.5
    const total = over ? ctx.maxFrameBytes + 4096 : 64 * 1024
    ctx.trace.shape(`bytes=${total} pieces=1KiB`)
    const piece = 1024
    for (let sent = 0; sent < total && ws.readyState === ws.OPEN; sent += piece) {
      ws.send(new Uint8Array(piece), { fin: sent + piece >= total })
      socket.bytes += piece
    }
    await new Promise((r) => setTimeout(r, 500))
    ws.terminate()
  },
  async flood(ctx) {
    const c = await hello(ctx)
    ctx.trace.shape('pings=2000')
    const ping = encodeMessage({ type: 'ping' })
    for (let i = 0; i < 2_000 && !c.isClosed; i++) c.sendRaw(ping)
    await settle(c, 1_000)
  },
  async bigVersionVector(ctx) {
    const c = await hello(ctx)
    const vv: Record<number, number> = {}
    const n = 20_000 + Math.floor(ctx.rand() * 80_000)
    for (let i = 0; i < n; i++) vv[1 + i * 104_729] = 1 + i
    const doc = hostileDoc(ctx.rand)
    ctx.trace.shape(`entries=${n} doc=${doc}`)
    c.send({ type: 'subscribe', doc, vv })
    await settle(c)
  },
  async leaveMidLoad(ctx) {
    const clients = await Promise.all(Array.from({ length: 10 }, () => hello(ctx)))
    for (const c of clients) {
      const doc = hostileDoc(ctx.rand)
      ctx.trace.shape(`doc=${doc}`)
      c.send({ type: 'subscribe', doc, vv: {} })
      if (ctx.rand() < 0.5) c.send({ type: 'unsubscribe', doc: hostileDoc(ctx.rand) })
      c.ws.terminate()
    }
  },
  async manyDocs(ctx) {
    const c = await hello(ctx)
    ctx.trace.shape('docs=300')
    for (let i = 0; i < 300; i++) c.send({ type: 'subscribe', doc: `many:${Math.floor(ctx.rand() * 1e6)}`, vv: {} })
    await settle(c, 1_000)
  },
}
