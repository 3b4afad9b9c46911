import type { Doc, TextCursor, WeftText } from '@weft/crdt-core'
import { useEffect, useRef, type KeyboardEvent } from 'react'
import { CaretLayer, type RemoteCaret } from '../editor/caret-layer'
import { TextBinding } from '../editor/text-binding'

interface Props {
  doc: Doc
  text: WeftText
  /** False until the note has loaded from this device: the field shows the Text once it has. */
  ready: boolean
  /** Others' carets on this text. */
  carets: readonly RemoteCaret[]
  /** Our caret moved: a stable cursor, for presence. */
  onCaret(caret: TextCursor): void
  onUndo(): void
  onRedo(): void
}

/**
 * A textarea bound to a Weft Text (see TextBinding), with others' carets
 * drawn over it (see CaretLayer). Neither the text nor the caret goes
 * through React state: a keystroke renders nothing.
 */
export function CollabTextarea({ doc, text, ready, carets, onCaret, onUndo, onRedo }: Props) {
  const field = useRef<HTMLTextAreaElement>(null)
  const under = useRef<HTMLDivElement>(null)
  const mirror = useRef<HTMLDivElement>(null)
  const layer = useRef<CaretLayer | null>(null)
  const binding = useRef<TextBinding | null>(null)
  // The latest callback, read by the binding without rebinding on every render.
  const caretSink = useRef(onCaret)
  caretSink.current = onCaret

  useEffect(() => {
    const el = field.current
    if (!el || !under.current || !mirror.current) return
    const b = new TextBinding(el, doc, text, {
      onSelection: (sel) => caretSink.current(sel.end),
      onSplice: (index, deleted, inserted) => layer.current?.splice(index, deleted, inserted),
    })
    const l = new CaretLayer(el, under.current, mirror.current, text)
    binding.current = b
    layer.current = l
    return () => {
      b.destroy()
      l.destroy()
      binding.current = null
      layer.current = null
    }
  }, [doc, text])

  // A load from this device's storage may fill the Text without a change we saw.
  useEffect(() => {
    if (ready) binding.current?.refresh()
  }, [ready])

  useEffect(() => layer.current?.setCarets(carets), [carets])

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (!(e.metaKey || e.ctrlKey)) return
    const key = e.key.toLowerCase()
    if (key === 'z' || key === 'y') {
      // The browser's own undo knows nothing of edits that arrived from others.
      e.preventDefault()
      if (key === 'y' || e.shiftKey) onRedo()
      else onUndo()
    }
  }

  return (
    <div className="collab">
      <div className="collab-under" ref={under} aria-hidden="true">
        <div className="collab-mirror" ref={mirror} />
      </div>
      <textarea ref={field} className="collab-input" aria-label="Note body" placeholder="Start writing…" spellCheck disabled={!ready} onKeyDown={onKeyDown} />
    </div>
  )
}
