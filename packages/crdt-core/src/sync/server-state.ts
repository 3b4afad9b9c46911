import type { WireTables } from './wire-tables.js'
import type { JsonValue } from '../values.js'
import type { FrameAssembler } from './frame-parts.js'
import type { ConnectionId } from './server-effects.js'
import type { SyncDoc } from './sync-doc.js'

/** An ack the server owes: sent once every persist of the room up to `barrier` is durable ([ACK-2]). */
export interface PendingAck {
  readonly seq: number
  readonly barrier: number
}

/** One subscription of one connection. Internal. */
export interface SessionDoc {
  readonly doc: string
  canWrite: boolean
  acks: PendingAck[]
  ackedSeq: number
  /** Version-vector key of the last heal sent to this connection. */
  healKey: string | undefined
  /** A delta was refused (missing dependencies, [CAUSAL-1]; another's replica, [BIND-1]): ignore this doc's writes until the next subscribe. */
  blocked: boolean
}

export type SessionPhase = 'hello' | 'authenticating' | 'ready' | 'closed'

/** Per connection. Internal. */
export interface ServerSessionState<P> {
  readonly id: ConnectionId
  phase: SessionPhase
  principal: P | undefined
  /** When the credential lapses ([AUTH-2]); undefined: never. */
  expiresAt: number | undefined
  clientName: string
  readonly openedAt: number
  lastReceivedAt: number
  /** Frames that arrived while authentication was pending. */
  queued: Uint8Array[]
  readonly docs: Map<string, SessionDoc>
  rateWindowStart: number
  rateCount: number
  /** Joins a frame that arrives in parts; created with the first part ([PART-1]). */
  parts: FrameAssembler | undefined
  /** Ids of this connection's strong operations awaiting their answer ([STRONG-3]); made with the first. */
  strongInFlight: Set<number> | undefined
  /** [WIRE-1] a protocol-2 connection's tables, from its hello on; undefined: it speaks protocol 1. */
  wire: { readonly in: WireTables; readonly out: WireTables } | undefined
}

/** A presence entry: never stored, expires without a heartbeat ([PRES-3]). */
export interface PresenceEntry {
  state: JsonValue
  expiresAt: number
}

/** A persist the store confirmed. */
export interface DurableEntry {
  readonly id: number
  readonly serverSeq: number
  /** The connection that sent it (no fan-out back to it). */
  readonly conn: ConnectionId | undefined
  readonly bytes: Uint8Array
  /** Already sent to the other subscribers when it was joined ([FAN-1]); otherwise it goes now. */
  readonly fanned: boolean
}

/** One doc in server memory, shared by its subscribers. Internal. */
export interface Room {
  readonly id: string
  /** Undefined while loading. */
  doc: SyncDoc | undefined
  /** Actions waiting for the load. */
  waiting: (() => void)[]
  readonly subscribers: Set<ConnectionId>
  /** Highest durable server seq seen. */
  serverSeq: number
  /** Persist ids issued and not yet answered; created on the first persist (most docs are idle). */
  inflight: Set<number> | undefined
  /** Durable persists waiting for an earlier one before their `durable` effect (and fan-out, if held). */
  done: DurableEntry[]
  /**
   * [FAN-1] In-flight persists held back from fan-out until durable: one that binds a replica ([BIND-1]),
   * which the store may refuse, and every later one (fan-out keeps join order).
   */
  held: number
  /** [FAN-1] Deltas joined while a commit of the doc was in flight: fanned out together when one completes. */
  fanQueue: { readonly writer: ConnectionId; readonly bytes: Uint8Array }[] | undefined
  /** Last persist id issued for this room (0: none). */
  lastPersistId: number
  /** Created with the first entry and dropped with the last, so an idle doc carries none. */
  presence: Map<ConnectionId, PresenceEntry> | undefined
  /** `doc.digest()` for the version-vector key `digestKey`; cleared on every write. */
  digestKey: string | undefined
  digestHash: string | undefined
  /** [BIND-1] replica -> owner, as stored plus what this node's persists bound; made with the first. */
  owners: Map<number, string> | undefined
}

export function newRoom(id: string): Room {
  return {
    id,
    doc: undefined,
    waiting: [],
    subscribers: new Set(),
    serverSeq: 0,
    inflight: undefined,
    done: [],
    held: 0,
    fanQueue: undefined,
    lastPersistId: 0,
    presence: undefined,
    digestKey: undefined,
    digestHash: undefined,
    owners: undefined,
  }
}

/** Lowest in-flight persist id of a room (Infinity when none). */
export function lowestInflight(room: Room): number {
  let min = Infinity
  if (room.inflight) for (const id of room.inflight) if (id < min) min = id
  return min
}

/** Takes the confirmed persists that every earlier persist of the room now precedes, in issue order ([STORE-2]). */
export function releaseDurable(room: Room): DurableEntry[] {
  const low = lowestInflight(room)
  room.done.sort((a, b) => a.id - b.id)
  let n = 0
  while (n < room.done.length && room.done[n]!.id < low) n++
  return room.done.splice(0, n)
}

/** Pops the acks whose barrier is durable; returns the highest seq among them ([ACK-2], [ACK-3]). */
export function takeAcks(sd: SessionDoc, room: Room): number | undefined {
  const low = lowestInflight(room)
  let upTo: number | undefined
  let n = 0
  while (n < sd.acks.length && sd.acks[n]!.barrier < low) upTo = Math.max(upTo ?? 0, sd.acks[n++]!.seq)
  sd.acks.splice(0, n)
  return upTo
}
