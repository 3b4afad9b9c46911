import type { NoteSummary } from '../model/notes-index'

interface Props {
  note: NoteSummary
  onRestore(): void
  onBack(): void
}

/** Shown in place of the editor when the open note was deleted (here or elsewhere): says so, and can undo it. */
export function DeletedNote({ note, onRestore, onBack }: Props) {
  return (
    <section className="editor empty" aria-label="Note">
      <div className="deleted-note" role="alert">
        <p>
          <strong>“{note.title.trim() || 'Untitled'}”</strong> was deleted, here or by someone else. Its text is kept.
        </p>
        <p className="deleted-actions">
          <button type="button" className="primary" onClick={onRestore}>
            Restore it
          </button>
          <button type="button" onClick={onBack}>
            Back to notes
          </button>
        </p>
      </div>
    </section>
  )
}
