/**
 * In-memory network for the simulation. A connection is two FIFO queues
 * (the transport contract, [TRANSPORT-1]: frames of one connection arrive in
 * order or the connection dies). Faults: which queue delivers next is random
 * (so frames of different connections are delayed and reordered against each
 * other), a dropped frame kills its connection, safe frames can be
 * duplicated, links are partitioned, peers crash.
 */

export interface Conn {
  readonly id: number
  readonly client: number
  /** Index of the server node at the other end. */
  readonly node: number
  alive: boolean
  /** Client -> server frames in flight. */
  readonly up: Uint8Array[]
  /** Server -> client frames in flight. */
  readonly down: Uint8Array[]
}

/** Frame tags (second byte) that a duplicate cannot confuse: hello, welcome, error and unsubscribe are excluded. */
const DUPLICABLE_TAGS = new Set([3, 4, 16, 18, 19, 20, 21, 22, 32])

export function isDuplicable(frame: Uint8Array): boolean {
  return DUPLICABLE_TAGS.has(frame[1] ?? -1)
}

export class Network {
  readonly conns = new Map<number, Conn>()
  private nextId = 1

  open(client: number, node: number): Conn {
    const c: Conn = { id: this.nextId++, client, node, alive: true, up: [], down: [] }
    this.conns.set(c.id, c)
    return c
  }

  /** Kills a connection: frames in flight are lost. */
  kill(c: Conn): void {
    c.alive = false
    c.up.length = 0
    c.down.length = 0
    this.conns.delete(c.id)
  }

  /** Every non-empty queue, as [conn, direction]. */
  busy(): [Conn, 'up' | 'down'][] {
    const out: [Conn, 'up' | 'down'][] = []
    for (const c of this.conns.values()) {
      if (c.up.length > 0) out.push([c, 'up'])
      if (c.down.length > 0) out.push([c, 'down'])
    }
    return out
  }

  inFlight(): number {
    let n = 0
    for (const c of this.conns.values()) n += c.up.length + c.down.length
    return n
  }
}
