import { seededRandom } from '@weft/crdt-core'
import { describe, expect, it } from 'vitest'
import { faultyStore } from '../storage/faulty-storage.js'
import { MemorySyncServer } from '../test-support/memory-sync-server.js'
import { offlineSwitch } from '../transport/offline-switch.js'
import { until } from '../test-support/until.js'
import { createClient, type Client } from './create-client.js'

const SEEDS = (process.env.WEFT_CLIENT_SEEDS ?? '1,2,3,4,5,6,7,8').split(',').map(Number)

describe('random schedules: edits, network drops, storage failures and restarts', () => {
  for (const seed of SEEDS) {
    it(`[CLIENT-SYNC-6] seed ${seed}: every client converges and no edit is lost or duplicated`, async () => {
      const repro = `WEFT_CLIENT_SEEDS=${seed} pnpm vitest run packages/client/src/client/client-random.test.ts`
      const random = seededRandom(seed)
      const server = new MemorySyncServer()
      const peers = [0, 1, 2].map(() => {
        const net = offlineSwitch(server.transport)
        const storage = faultyStore().open()
        const make = (): Client => createClient({ transport: net.transport, storage, tabs: false, online: false, backoff: { baseMs: 5, maxMs: 40 } })
        return { net, storage, client: make(), make, typed: 0 }
      })
      try {
        for (const p of peers) await p.client.doc('note').ready
        for (let step = 0; step < 120; step++) {
          const p = peers[Math.floor(random() * peers.length)]!
          const r = random()
          if (r < 0.7) {
            const text = p.client.doc('note').doc.getText('body')
            text.insert(Math.floor(random() * (text.length + 1)), 'x')
            p.typed++
          } else if (r < 0.82) p.net.setOffline(random() >= 0.5)
          else if (r < 0.92) p.storage.failWith = random() < 0.5 ? 'quota-exceeded' : undefined
          else if (!p.storage.failWith) {
            await p.client.close() // a restart: close flushes, the next run loads from storage
            p.client = p.make()
            await p.client.doc('note').ready
          }
          if (random() < 0.3) await new Promise((r) => setTimeout(r, Math.floor(random() * 5)))
        }
        for (const p of peers) {
          p.net.setOffline(false)
          p.storage.failWith = undefined
        }
        const total = peers.reduce((n, p) => n + p.typed, 0)
        const handles = peers.map((p) => p.client.doc('note'))
        await until(
          () => handles.every((h) => h.status.connection === 'synced' && h.status.unsaved === 0 && h.doc.getText('body').length === total),
          `convergence (${repro})`,
          10_000,
        ).catch((e: unknown) => {
          const state = handles.map((h) => ({
            ...h.status,
            storageError: h.status.storageError?.code,
            length: h.doc.getText('body').length,
            pending: h.doc.pendingCount,
          }))
          console.log(`seed ${seed}: expected length ${total}`, JSON.stringify(state))
          throw e
        })
        const digests = new Set(handles.map((h) => h.doc.digest()))
        expect(digests.size, repro).toBe(1)
        for (const h of handles) await h.whenSaved('local')
        // What each client stored reloads to the same doc.
        for (const p of peers) {
          const reloaded = createClient({ storage: p.storage, tabs: false })
          await reloaded.doc('note').ready
          expect(reloaded.doc('note').doc.getText('body').length, repro).toBe(total)
          await reloaded.close()
        }
      } finally {
        for (const p of peers) await p.client.close()
        server.close()
      }
    })
  }
})
