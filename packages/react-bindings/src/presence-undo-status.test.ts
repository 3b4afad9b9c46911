// @vitest-environment jsdom
import type { DocStatus } from '@weft/client'
import { act, render, renderHook, screen, waitFor } from '@testing-library/react'
import { createElement as h } from 'react'
import { describe, expect, it } from 'vitest'
import { aggregateStatus } from './aggregate-status.js'
import { WeftProvider } from './provider.js'
import { memoryTabs } from './test-support/memory-tabs.js'
import { localClient, wrap } from './test-support/local-clients.js'
import { createClient, memoryStorage, offlineSwitch, webSocketTransport } from '@weft/client'
import { renderCounter } from './test-support/render-counter.js'
import { useDoc } from './use-doc.js'
import { usePresence } from './use-presence.js'
import { useSyncStatus } from './use-sync-status.js'
import { useUndo } from './use-undo.js'

describe('usePresence', () => {
  it("shows another tab's state and publishes ours", async () => {
    const hub = memoryTabs()
    const mine = localClient(hub)
    const theirs = localClient(hub)
    const theirHandle = theirs.doc('note:p')
    await theirHandle.ready
    type P = { name: string; caret: number }
    const { result } = renderHook(
      () => {
        const note = useDoc('note:p')
        return usePresence<P>(note)
      },
      { wrapper: wrap(mine) },
    )
    await waitFor(() => expect(result.current.self).toBeNull())
    act(() => result.current.update({ name: 'Ada', caret: 3 }))
    expect(result.current.self).toEqual({ name: 'Ada', caret: 3 })
    await waitFor(() => expect([...theirHandle.presence.others.values()]).toContainEqual({ name: 'Ada', caret: 3 }))

    theirHandle.presence.set({ name: 'Bo', caret: 1 })
    await waitFor(() => expect(result.current.others.map((p) => p.state)).toEqual([{ name: 'Bo', caret: 1 }]))
    const snapshot = result.current.others
    act(() => result.current.update({ name: 'Ada', caret: 4 }))
    expect(result.current.others).toBe(snapshot) // unchanged others keep their identity

    theirHandle.presence.set({ name: 'Bo', caret: 2 })
    await waitFor(() => expect(result.current.others.map((p) => p.state)).toEqual([{ name: 'Bo', caret: 2 }]))
    expect(result.current.others[0]?.key).toMatch(/^tab:/)
  })
})

describe('useUndo', () => {
  it('undoes and redoes own edits and reports canUndo / canRedo', async () => {
    const client = localClient()
    const handle = client.doc('note:u')
    await handle.ready
    const { result } = renderHook(() => useUndo(handle, { captureTimeout: 0 }), { wrapper: wrap(client) })
    await waitFor(() => expect(result.current.canUndo).toBe(false))
    const text = handle.doc.getText('body')
    act(() => text.insert(0, 'one'))
    act(() => text.insert(3, ' two'))
    expect(result.current.canUndo).toBe(true)
    expect(result.current.canRedo).toBe(false)
    act(() => void result.current.undo())
    expect(text.toString()).toBe('one')
    expect(result.current.canRedo).toBe(true)
    act(() => void result.current.undo())
    expect(text.toString()).toBe('')
    expect(result.current.canUndo).toBe(false)
    act(() => void result.current.redo())
    expect(text.toString()).toBe('one')
    expect(result.current.canUndo).toBe(true)
  })

  it('never undoes edits from another replica', async () => {
    const client = localClient()
    const other = localClient()
    const a = client.doc('note:u2')
    const b = other.doc('note:u2')
    await Promise.all([a.ready, b.ready])
    b.doc.on('delta', (bytes) => a.doc.applyDelta(bytes))
    const { result } = renderHook(() => useUndo(a), { wrapper: wrap(client) })
    await waitFor(() => expect(result.current.canUndo).toBe(false))
    act(() => b.doc.getText('body').insert(0, 'theirs'))
    expect(result.current.canUndo).toBe(false)
    act(() => a.doc.getText('body').insert(6, '+mine'))
    act(() => void result.current.undo())
    expect(a.doc.getText('body').toString()).toBe('theirs')
  })
})

describe('useSyncStatus', () => {
  it("follows a doc's status and re-renders only when it changes", async () => {
    const client = localClient()
    const handle = client.doc('note:st')
    await handle.ready
    const counter = renderCounter()
    const seen: DocStatus[] = []
    function Badge() {
      counter.hit('badge')
      const s = useSyncStatus(handle)
      seen.push(s)
      return h('span', { 'data-testid': 'badge' }, `${s.connection} ${String(s.savedLocally)}`)
    }
    render(h(WeftProvider, { client }, h(Badge)))
    expect(screen.getByTestId('badge').textContent).toBe('offline true')
    const before = counter.count('badge')
    let events = 0
    handle.on('status', () => events++)
    act(() => handle.refresh()) // same status: no render
    expect(counter.count('badge')).toBe(before)
    act(() => handle.doc.getText('t').insert(0, 'x'))
    await handle.whenSaved('local')
    await waitFor(() => expect(screen.getByTestId('badge').textContent).toBe('offline true'))
    // Renders follow status changes, never more: one per status event at most.
    expect(counter.count('badge') - before).toBeLessThanOrEqual(events)
    expect(seen.at(-1)).toEqual(handle.status)
    expect(counter.count('badge')).toBeGreaterThan(before)
  })

  it("without a handle, keeps counting a doc's unsaved edits after the UI let it go (#16.6a: open another note offline)", async () => {
    const net = offlineSwitch(webSocketTransport('ws://127.0.0.1:9/never'))
    net.setOffline(true)
    const client = createClient({ transport: net.transport, storage: memoryStorage(), tabs: false })
    try {
      const { result, rerender } = renderHook(
        ({ id }: { id: string }) => {
          const note = useDoc(id)
          return { note, status: useSyncStatus() }
        },
        { wrapper: wrap(client), initialProps: { id: 'note:a' } },
      )
      await act(() => result.current.note.handle.ready)
      act(() => {
        const t = result.current.note.handle.doc.getText('body')
        for (const ch of 'hello!') t.insert(t.length, ch)
      })
      await waitFor(() => expect(result.current.status).toMatchObject({ connection: 'offline', unsaved: 6 }))
      rerender({ id: 'note:b' }) // the user opens another note: note:a is no longer used by any component
      await act(() => result.current.note.handle.ready)
      await waitFor(() => expect(result.current.status).toMatchObject({ connection: 'offline', unsaved: 6, savedLocally: true }))
    } finally {
      await client.close()
    }
  })

  it('without a handle, aggregates every doc opened through the provider', async () => {
    const client = localClient()
    const { result } = renderHook(
      () => {
        useDoc('a')
        useDoc('b')
        return useSyncStatus()
      },
      { wrapper: wrap(client) },
    )
    await waitFor(() => expect(result.current).toMatchObject({ connection: 'offline', unsaved: 0, savedLocally: true }))
  })

  it('aggregateStatus: least connected, unsaved summed, saved only if all are', () => {
    const s = (connection: DocStatus['connection'], unsaved: number): DocStatus => ({
      connection,
      unsaved,
      savedLocally: true,
      savedOnServer: unsaved === 0,
    })
    expect(aggregateStatus([s('synced', 0), s('syncing', 2), s('synced', 1)], 'open')).toEqual({
      connection: 'syncing',
      unsaved: 3,
      savedLocally: true,
      savedOnServer: false,
    })
    expect(aggregateStatus([], 'connecting').connection).toBe('connecting')
    expect(aggregateStatus([], 'open')).toMatchObject({ connection: 'synced', savedOnServer: true })
  })
})
