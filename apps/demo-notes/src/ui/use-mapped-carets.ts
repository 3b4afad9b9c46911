import { mapCaret } from '@weft/react'
import { useRef } from 'react'
import type { PresenceState } from '../model/identity'

/**
 * Others' carets, kept on their characters while the text changes between
 * their presence updates (someone typing before a caret shifts it along).
 */
export function useMappedCarets(people: readonly PresenceState[], text: string): PresenceState[] {
  const entries = useRef(new Map<string, { reported: number; pos: number }>())
  const lastText = useRef(text)
  if (lastText.current !== text) {
    for (const e of entries.current.values()) e.pos = mapCaret(e.pos, lastText.current, text)
    lastText.current = text
  }
  const out: PresenceState[] = []
  const live = new Set<string>()
  for (const p of people) {
    if (p.caret === null) continue
    live.add(p.id)
    let e = entries.current.get(p.id)
    if (!e || e.reported !== p.caret) {
      e = { reported: p.caret, pos: p.caret }
      entries.current.set(p.id, e)
    }
    out.push({ ...p, caret: Math.min(e.pos, text.length) })
  }
  for (const id of [...entries.current.keys()]) if (!live.has(id)) entries.current.delete(id)
  return out
}
