/**
 * Messages between tabs of one origin, per doc. Validated on receipt: another
 * tab may run an older or newer build of the app.
 */
export type TabMessage =
  /** A delta this tab made or received: apply it. `upload`: its writer is not syncing with the server, so a tab that is should send it. */
  | { readonly type: 'delta'; readonly from: number; readonly bytes: Uint8Array; readonly upload?: boolean }
  /** A tab opened the doc: peers answer with what it lacks and their own version vector. */
  | { readonly type: 'hello'; readonly from: number; readonly vv: Record<string, number> }
  /** Answer to hello, addressed to one tab; `bytes` is what it lacked, if anything. */
  | {
      readonly type: 'sync'
      readonly from: number
      readonly to: number
      readonly vv: Record<string, number>
      readonly bytes?: Uint8Array
    }
  /** Ephemeral presence of one tab; `state: null` means it left. `peer`: the same presence's id on the server, if connected. */
  | { readonly type: 'presence'; readonly from: number; readonly state: unknown; readonly peer?: number }

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null
const isVV = (x: unknown): x is Record<string, number> =>
  isObj(x) && Object.entries(x).every(([k, v]) => /^\d+$/.test(k) && typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)

export function isTabMessage(m: unknown): m is TabMessage {
  if (!isObj(m) || typeof m.from !== 'number') return false
  switch (m.type) {
    case 'delta':
      return m.bytes instanceof Uint8Array && (m.upload === undefined || typeof m.upload === 'boolean')
    case 'hello':
      return isVV(m.vv)
    case 'sync':
      return typeof m.to === 'number' && isVV(m.vv) && (m.bytes === undefined || m.bytes instanceof Uint8Array)
    case 'presence':
      return 'state' in m && (m.peer === undefined || (typeof m.peer === 'number' && Number.isSafeInteger(m.peer) && m.peer > 0))
    default:
      return false
  }
}

/** Version vectors cross the channel with string keys (structured clone of a plain object). */
export function toNumericVV(vv: Record<string, number>): Record<number, number> {
  const out: Record<number, number> = {}
  for (const [k, v] of Object.entries(vv)) out[Number(k)] = v
  return out
}
