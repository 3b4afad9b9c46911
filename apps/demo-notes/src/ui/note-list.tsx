import type { Doc } from '@weft/crdt-core'
import type { PresenceState } from '../model/identity'
import { createNote, deleteNote, moveNote, type NoteSummary } from '../model/notes-index'
import { Avatars } from './avatar'

interface Props {
  index: Doc
  /** False until the list has loaded from this device's storage: until then it is not known to be empty. */
  loaded: boolean
  notes: readonly NoteSummary[]
  selected: string | null
  people: readonly PresenceState[]
  onOpen(id: string): void
  /** A note was just created: open it with its (empty) title focused. */
  onCreated(id: string): void
}

export function NoteList({ index, loaded, notes, selected, people, onOpen, onCreated }: Props) {
  const create = (): void => {
    const id = crypto.randomUUID().slice(0, 8)
    // An empty title shows the "Untitled" placeholder, so typing replaces it instead of appending to it.
    createNote(index, id, '')
    onCreated(id)
  }
  return (
    <nav className="list" aria-label="Notes">
      <div className="list-head">
        <h2>Notes</h2>
        <button type="button" className="primary" onClick={create}>
          + New note
        </button>
      </div>
      {!loaded ? (
        <p className="list-empty" role="status">
          Loading…
        </p>
      ) : notes.length === 0 ? (
        <p className="list-empty">No notes yet. Create one, then open this page in a second tab or browser.</p>
      ) : (
        <ul>
          {notes.map((n, i) => {
            const shown = n.title.trim() || 'Untitled'
            return (
              <li key={n.id} className={n.id === selected ? 'note-row selected' : 'note-row'} data-note-id={n.id}>
                <button type="button" className="note-open" onClick={() => onOpen(n.id)} aria-current={n.id === selected ? 'page' : undefined}>
                  <span className="note-title">{shown}</span>
                  <Avatars people={people.filter((p) => p.noteId === n.id)} />
                </button>
                <span className="note-actions">
                  <button type="button" className="icon" aria-label={`Move ${shown} up`} disabled={i === 0} onClick={() => moveNote(index, n.id, -1)}>
                    ↑
                  </button>
                  <button
                    type="button"
                    className="icon"
                    aria-label={`Move ${shown} down`}
                    disabled={i === notes.length - 1}
                    onClick={() => moveNote(index, n.id, 1)}
                  >
                    ↓
                  </button>
                  <button type="button" className="icon danger" aria-label={`Delete ${shown}`} onClick={() => deleteNote(index, n.id)}>
                    ×
                  </button>
                </span>
              </li>
            )
          })}
        </ul>
      )}
    </nav>
  )
}
