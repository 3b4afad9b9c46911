import { MemoryStore, MemoryStoreData } from './memory-store.js'
import { runStoreContract } from './store-contract.js'

runStoreContract('MemoryStore', async () => {
  const data = new MemoryStoreData()
  const refused = new Set<string>()
  const refuseAppend = (doc: string, input: { bytes: Uint8Array }) => (refused.has(doc) && input.bytes[0] === 0xff ? new Error('refused') : undefined)
  return {
    store: new MemoryStore({ data, refuseAppend }),
    reopen: async () => new MemoryStore({ data, refuseAppend }),
    openAnother: async () => new MemoryStore({ data, refuseAppend }),
    refuseAppends: async (doc) => {
      refused.add(doc)
      return async () => {
        refused.delete(doc)
      }
    },
  }
})
