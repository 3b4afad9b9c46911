import { memoryStorage } from './memory-storage.js'
import { runStorageContract } from './storage-contract.js'

runStorageContract('memoryStorage', () => {
  const shared = memoryStorage() // one in-memory store stands for one origin's database
  return { open: () => shared }
})
