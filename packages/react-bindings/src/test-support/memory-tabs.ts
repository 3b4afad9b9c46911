import type { TabChannel, TabChannelFactory } from '@weft/client'

/** Tab channels in one process: every client made with the same hub sees the others' posts (async, like BroadcastChannel). */
export function memoryTabs(): TabChannelFactory {
  const rooms = new Map<string, Set<(m: unknown) => void>>()
  return (name) => {
    const room = rooms.get(name) ?? new Set()
    rooms.set(name, room)
    const mine = new Set<(m: unknown) => void>()
    const deliver = (m: unknown): void => {
      for (const fn of mine) fn(m)
    }
    room.add(deliver)
    const channel: TabChannel = {
      post(message) {
        const copy = structuredClone(message)
        for (const other of room) if (other !== deliver) queueMicrotask(() => other(copy))
      },
      onMessage(fn) {
        mine.add(fn)
        return () => void mine.delete(fn)
      },
      close() {
        room.delete(deliver)
        mine.clear()
      },
    }
    return channel
  }
}
