import { useRef } from 'react'
import type { NoteSummary } from '../model/notes-index'

/**
 * The open note, or what is known of it once it left the list: deleted here,
 * in another tab or by someone else. Remembers the title of every note seen,
 * so the editor can say which note went and offer to restore it.
 */
export function useOpenNote(
  notes: readonly NoteSummary[],
  selected: string | null,
  loaded: boolean,
): { note: NoteSummary | undefined; vanished: NoteSummary | undefined } {
  const seen = useRef(new Map<string, string>())
  for (const n of notes) seen.current.set(n.id, n.title)
  const note = selected === null ? undefined : notes.find((n) => n.id === selected)
  if (note || selected === null || !loaded) return { note, vanished: undefined }
  const title = seen.current.get(selected)
  return { note: undefined, vanished: title === undefined ? undefined : { id: selected, title } }
}
