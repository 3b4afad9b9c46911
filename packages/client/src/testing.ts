/**
 * @weft/client/testing: helpers for testing apps and transports without a
 * network (not part of the runtime API).
 */
export { MemoryNetwork } from './transport/memory-transport.js'
export type { MemoryPeer } from './transport/memory-transport.js'
export { faultyStore } from './storage/faulty-storage.js'
export type { FaultyStorage, FaultyStore, StorageFault, StorageWrite, StorageWriteMethod } from './storage/faulty-storage.js'
