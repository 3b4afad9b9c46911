import type { DocHandle } from '@weft/client'
import type { Doc, TextCursor } from '@weft/crdt-core'
import { useMemo, useState } from 'react'
import type { CaretCursor, PresenceState } from '../model/identity'
import { noteDocId, type NoteSummary } from '../model/notes-index'
import { Avatar } from './avatar'
import { RichEditor, type RichEditorControls, type UndoFlags } from './rich-editor'
import { caretFeed } from './presence-feed'
import { TitleField } from './title-field'
import { useOpenDoc } from './use-open-doc'

interface Props {
  index: Doc
  note: NoteSummary
  /** Others viewing this note. */
  viewers: readonly PresenceState[]
  /** The index doc's handle, whose presence carries others' carets. */
  presence: DocHandle
  /** Our presence id (our own caret is not drawn). */
  selfId: string
  /** Focus the title (a note just created here). */
  focusTitle?: boolean
  onCaret(caret: CaretCursor): void
  onBack(): void
}

export function NoteEditor({ index, note, viewers, presence, selfId, focusTitle = false, onCaret, onBack }: Props) {
  // Not useDoc: its status changes every keystroke, and this must not re-render then (see use-open-doc.ts).
  const doc = useOpenDoc(noteDocId(note.id))
  const text = doc.doc.getText('body')
  // Undo is the editor's: it takes back this tab's own edits to the body only.
  const [undo, setUndo] = useState<UndoFlags>({ canUndo: false, canRedo: false })
  const [controls, setControls] = useState<RichEditorControls | null>(null)
  const carets = useMemo(() => caretFeed(presence, selfId, note.id), [presence, selfId, note.id])
  return (
    <section className="editor" aria-label="Note">
      <div className="editor-bar">
        <button type="button" className="back" onClick={onBack}>
          ← Notes
        </button>
        <TitleField index={index} noteId={note.id} autoFocus={focusTitle} />
        <span className="editor-tools">
          <button type="button" className="icon" aria-label="Undo" title="Undo (Ctrl+Z)" disabled={!undo.canUndo} onClick={() => controls?.undo()}>
            ↶
          </button>
          <button type="button" className="icon" aria-label="Redo" title="Redo (Ctrl+Shift+Z)" disabled={!undo.canRedo} onClick={() => controls?.redo()}>
            ↷
          </button>
        </span>
      </div>
      <div className="viewers" data-testid="viewers">
        {viewers.length === 0 ? (
          <span className="muted">Only you here</span>
        ) : (
          viewers.map((p) => (
            <span key={p.id} className="viewer" data-viewer={p.name}>
              <Avatar person={p} />
              <span>{p.name}</span>
            </span>
          ))
        )}
      </div>
      <RichEditor
        doc={doc.doc}
        text={text}
        ready={doc.ready}
        carets={carets}
        onCaret={(c: TextCursor) => onCaret({ replica: c.replica, counter: c.counter, assoc: c.assoc })}
        onUndoFlags={setUndo}
        onControls={setControls}
      />
    </section>
  )
}
