import type { Doc, TextCursor } from '@weft/crdt-core'
import { useDoc } from '@weft/react'
import { useMemo, useState } from 'react'
import type { CaretCursor, PresenceState } from '../model/identity'
import type { RemoteCaret } from '../editor/rich-carets'
import { noteDocId, type NoteSummary } from '../model/notes-index'
import { Avatar } from './avatar'
import { RichEditor, type RichEditorControls, type UndoFlags } from './rich-editor'
import { TitleField } from './title-field'

interface Props {
  index: Doc
  note: NoteSummary
  /** Others viewing this note. */
  viewers: readonly PresenceState[]
  /** Focus the title (a note just created here). */
  focusTitle?: boolean
  onCaret(caret: CaretCursor): void
  onBack(): void
}

export function NoteEditor({ index, note, viewers, focusTitle = false, onCaret, onBack }: Props) {
  const doc = useDoc(noteDocId(note.id))
  const text = doc.doc.getText('body')
  // Undo is the editor's: it takes back this tab's own edits to the body only.
  const [undo, setUndo] = useState<UndoFlags>({ canUndo: false, canRedo: false })
  const [controls, setControls] = useState<RichEditorControls | null>(null)
  const carets = useMemo(
    () => viewers.flatMap((p): RemoteCaret[] => (p.caret === null ? [] : [{ id: p.id, name: p.name, color: p.color, cursor: p.caret }])),
    [viewers],
  )
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
