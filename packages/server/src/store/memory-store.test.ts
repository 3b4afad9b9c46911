import { MemoryStore, MemoryStoreData } from './memory-store.js'
import { runStoreContract } from './store-contract.js'

runStoreContract('MemoryStore', async () => {
  const data = new MemoryStoreData()
  return { store: new MemoryStore(data), reopen: async () => new MemoryStore(data) }
})
