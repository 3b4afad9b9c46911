import { cleanup } from '@testing-library/react'
import { createClient, memoryStorage, type Client, type Storage } from '@weft/client'
import { createElement as h, type ReactNode } from 'react'
import { afterEach } from 'vitest'
import { WeftProvider } from '../provider.js'
import type { memoryTabs } from './memory-tabs.js'

const clients: Client[] = []

afterEach(async () => {
  cleanup()
  await Promise.all(clients.splice(0).map((c) => c.close()))
})

/**
 * A client with no server, closed after each test: `tabs` links it to other
 * local clients, `storage` lets it find what an earlier client stored.
 */
export function localClient(tabs: ReturnType<typeof memoryTabs> | false = false, storage: Storage = memoryStorage()): Client {
  const c = createClient({ storage, tabs, online: false, presence: { throttleMs: 0 } })
  clients.push(c)
  return c
}

/** A wrapper rendering its children inside `<WeftProvider client>`. */
export const wrap =
  (client: Client) =>
  ({ children }: { children: ReactNode }) =>
    h(WeftProvider, { client }, children)
