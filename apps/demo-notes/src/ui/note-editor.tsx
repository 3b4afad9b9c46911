import type { Doc, TextCursor } from '@weft/crdt-core'
import { useDoc, useUndo } from '@weft/react'
import { useMemo } from 'react'
import type { CaretCursor, PresenceState } from '../model/identity'
import { noteDocId, type NoteSummary } from '../model/notes-index'
import type { RemoteCaret } from '../editor/caret-layer'
import { Avatar } from './avatar'
import { CollabTextarea } from './collab-textarea'
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
  const undo = useUndo(doc)
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
          <button type="button" className="icon" aria-label="Undo" title="Undo (Ctrl+Z)" disabled={!undo.canUndo} onClick={() => undo.undo()}>
            ↶
          </button>
          <button type="button" className="icon" aria-label="Redo" title="Redo (Ctrl+Shift+Z)" disabled={!undo.canRedo} onClick={() => undo.redo()}>
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
      <CollabTextarea
        doc={doc.doc}
        text={text}
        ready={doc.ready}
        carets={carets}
        onCaret={(c: TextCursor) => onCaret({ replica: c.replica, counter: c.counter, assoc: c.assoc })}
        onUndo={() => undo.undo()}
        onRedo={() => undo.redo()}
      />
    </section>
  )
}
