import type { TabChannel, TabChannelFactory } from '@weft/client'

interface Channel {
  readonly name: string
  readonly owner: number
  readonly listeners: Set<(m: unknown) => void>
}

/**
 * The BroadcastChannels of one simulated device (browser profile). As in the
 * HTML spec, a message goes to the channels of its name open when it is posted
 * (structured-cloned then), in post order, when the simulation chooses; a
 * channel closed by then misses it.
 */
export class TabBus {
  private readonly channels = new Set<Channel>()
  private readonly queue: { to: Channel[]; message: unknown }[] = []

  /** The channel factory of the tab `owner`. */
  factory(owner: number): TabChannelFactory {
    return (name): TabChannel => {
      const ch: Channel = { name, owner, listeners: new Set() }
      this.channels.add(ch)
      return {
        post: (m) => {
          if (!this.channels.has(ch)) return
          const to = [...this.channels].filter((c) => c !== ch && c.name === name)
          if (to.length > 0) this.queue.push({ to, message: structuredClone(m) })
        },
        onMessage: (fn) => {
          ch.listeners.add(fn)
          return () => void ch.listeners.delete(fn)
        },
        close: () => void this.channels.delete(ch),
      }
    }
  }

  get inFlight(): number {
    return this.queue.length
  }

  /** Delivers the oldest message; false when none is waiting. */
  deliverOne(): boolean {
    const m = this.queue.shift()
    if (!m) return false
    for (const ch of m.to) {
      if (!this.channels.has(ch)) continue
      for (const fn of [...ch.listeners]) fn(structuredClone(m.message))
    }
    return true
  }

  /** A tab's process died: its channels vanish; what it posted before is still delivered. */
  dropOwner(owner: number): void {
    for (const ch of [...this.channels]) if (ch.owner === owner) this.channels.delete(ch)
  }
}
