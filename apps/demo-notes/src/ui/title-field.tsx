import type { Doc } from '@weft/crdt-core'
import { useDoc, useDocState } from '@weft/react'
import { useEffect, useRef } from 'react'
import { TextBinding } from '../editor/text-binding'
import { INDEX_DOC, titleText } from '../model/notes-index'

interface Props {
  index: Doc
  noteId: string
  /** A note just created here: its title takes the focus. */
  autoFocus: boolean
}

/** The note's title, bound to its Text in the index doc (concurrent typing keeps every keystroke). */
export function TitleField({ index, noteId, autoFocus }: Props) {
  const input = useRef<HTMLInputElement>(null)
  // The title's Text (an older note's plain title becomes one here); a new one if a concurrent conversion won.
  const text = useDocState(useDoc(INDEX_DOC), (d) => (d.getMap('titles').has(noteId) ? d.getMap('titles').get(noteId) : undefined))
  useEffect(() => {
    const el = input.current
    if (!el || text === undefined) return
    const t = titleText(index, noteId)
    if (!t) return
    const binding = new TextBinding(el, index, t)
    return () => binding.destroy()
  }, [index, noteId, text])
  useEffect(() => {
    if (autoFocus) input.current?.focus()
  }, [autoFocus])
  return <input ref={input} className="title-input" aria-label="Title" placeholder="Untitled" />
}
