import type { Doc } from '@weft/crdt-core'
import { useDoc, useText, useUndo } from '@weft/react'
import type { PresenceState } from '../model/identity'
import { noteDocId, renameNote, type NoteSummary } from '../model/notes-index'
import { Avatar } from './avatar'
import { CollabTextarea } from './collab-textarea'

interface Props {
  index: Doc
  note: NoteSummary
  /** Others viewing this note. */
  viewers: readonly PresenceState[]
  /** Focus the title (a note just created here). */
  focusTitle?: boolean
  onCaret(caret: number): void
  onBack(): void
}

export function NoteEditor({ index, note, viewers, focusTitle = false, onCaret, onBack }: Props) {
  const doc = useDoc(noteDocId(note.id))
  const [body, ops] = useText(doc, 'body')
  const undo = useUndo(doc)
  return (
    <section className="editor" aria-label="Note">
      <div className="editor-bar">
        <button type="button" className="back" onClick={onBack}>
          ← Notes
        </button>
        <input
          className="title-input"
          aria-label="Title"
          value={note.title}
          placeholder="Untitled"
          // biome-ignore lint/a11y/noAutofocus: the user just asked for a new note; its title is what they type next
          autoFocus={focusTitle}
          onChange={(e) => renameNote(index, note.id, e.target.value)}
        />
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
      <CollabTextarea value={body} ops={ops} carets={viewers} onCaret={onCaret} onUndo={() => undo.undo()} onRedo={() => undo.redo()} disabled={!doc.ready} />
    </section>
  )
}
