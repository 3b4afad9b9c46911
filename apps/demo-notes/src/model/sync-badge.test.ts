import type { DocStatus } from '@weft/client'
import { describe, expect, it } from 'vitest'
import { syncBadge } from './sync-badge'

const status = (s: Partial<DocStatus>): DocStatus => ({ connection: 'synced', unsaved: 0, savedLocally: true, savedOnServer: true, ...s })

describe('syncBadge', () => {
  it('names each state', () => {
    expect(syncBadge(status({}))).toEqual({ state: 'server', label: 'Saved on the server', unsaved: 0 })
    expect(syncBadge(status({ connection: 'offline', savedOnServer: false }))).toMatchObject({ state: 'offline', label: 'Offline' })
    expect(syncBadge(status({ connection: 'offline', unsaved: 3, savedOnServer: false }))).toEqual({
      state: 'local',
      label: 'Saved on this device',
      unsaved: 3,
    })
    expect(syncBadge(status({ connection: 'offline', unsaved: 3, savedLocally: false, savedOnServer: false })).state).toBe('offline')
    expect(syncBadge(status({ connection: 'connecting', savedOnServer: false }))).toMatchObject({ state: 'syncing', label: 'Connecting…' })
    expect(syncBadge(status({ connection: 'synced', unsaved: 2, savedOnServer: false }))).toMatchObject({ state: 'syncing', unsaved: 2 })
  })
})

describe('syncBadge with a failing storage', () => {
  it('says the edits are not saved on this device', async () => {
    const { WeftStorageError } = await import('@weft/client')
    const storageError = new WeftStorageError('quota-exceeded', 'disk full')
    expect(syncBadge(status({ storageError })).state).toBe('error')
  })
})
