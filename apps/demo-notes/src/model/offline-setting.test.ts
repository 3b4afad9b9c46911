import { type Transport, offlineSwitch } from '@weft/client'
import { describe, expect, it } from 'vitest'
import { keepOfflineSwitch } from './offline-setting'

const never: Transport = { connect: () => ({ send: () => undefined, close: () => undefined }) }

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  }
}

describe('keepOfflineSwitch', () => {
  it('a switch flipped offline is offline again after a reload (a new switch over the same storage)', () => {
    const storage = memoryStorage()
    const first = offlineSwitch(never)
    keepOfflineSwitch(first, storage)
    first.setOffline(true)

    const reloaded = offlineSwitch(never)
    keepOfflineSwitch(reloaded, storage)
    expect(reloaded.offline).toBe(true)

    reloaded.setOffline(false)
    const again = offlineSwitch(never)
    keepOfflineSwitch(again, storage)
    expect(again.offline).toBe(false)
    expect(storage.data.size).toBe(0)
  })
})
