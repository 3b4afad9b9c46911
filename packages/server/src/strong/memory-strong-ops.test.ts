import { MemoryStrongOps, MemoryStrongOpsData } from './memory-strong-ops.js'
import { runStrongOpsContract } from './strong-contract.js'

runStrongOpsContract('MemoryStrongOps', async () => {
  const data = new MemoryStrongOpsData()
  return { ops: new MemoryStrongOps(data), open: async () => new MemoryStrongOps(data) }
})
