import type { JsonValue } from '@weft/crdt-core'

/** What each participant publishes as presence on the index doc. */
export interface PresenceState {
  [key: string]: JsonValue
  /** Per tab, so one person's tabs (seen through the tab channel and the server) count once. */
  id: string
  name: string
  color: string
  noteId: string | null
  /** Where our caret is in the open note's body: a stable cursor (`text.cursor`), so it stays on its character as others type. */
  caret: CaretCursor | null
}

/** A `TextCursor` as plain JSON for presence. */
export type CaretCursor = { replica: number; counter: number; assoc: 'after' | 'before' }

export interface Identity {
  readonly id: string
  readonly name: string
  readonly color: string
}

const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Marten', 'Wren', 'Ibex', 'Puffin', 'Newt', 'Kestrel', 'Badger']
const COLORS = ['#e4572e', '#2e86ab', '#7b2cbf', '#2a9d8f', '#e9a03b', '#d1495b', '#3a86ff', '#6a994e']

/** A name and colour for this tab, kept across reloads of the tab (sessionStorage). */
export function loadIdentity(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined): Identity {
  const saved = storage?.getItem('weft-demo:identity')
  if (saved) {
    try {
      const v = JSON.parse(saved) as Partial<Identity>
      if (typeof v.id === 'string' && typeof v.name === 'string' && typeof v.color === 'string') return v as Identity
    } catch {
      // fall through: a new identity
    }
  }
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!
  const identity = { id: crypto.randomUUID(), name: `${pick(ANIMALS)} ${Math.floor(Math.random() * 90 + 10)}`, color: pick(COLORS) }
  storage?.setItem('weft-demo:identity', JSON.stringify(identity))
  return identity
}
