import type { Doc } from '@weft/crdt-core'
import type { PresenceState } from '../model/identity'
import { createNote, deleteNote, moveNote, type NoteSummary } from '../model/notes-index'
import { Avatars } from './avatar'

interface Props {
  index: Doc
  notes: readonly NoteSummary[]
  selected: string | null
  people: readonly PresenceState[]
  onOpen(id: string): void
}

export function NoteList({ index, notes, selected, people, onOpen }: Props) {
  const create = (): void => {
    const id = crypto.randomUUID().slice(0, 8)
    createNote(index, id, 'Untitled')
    onOpen(id)
  }
  return (
    <nav className="list" aria-label="Notes">
      <div className="list-head">
        <h2>Notes</h2>
        <button type="button" className="primary" onClick={create}>
          + New note
        </button>
      </div>
      {notes.length === 0 ? (
        <p className="list-empty">No notes yet. Create one, then open this page in a second tab or browser.</p>
      ) : (
        <ul>
          {notes.map((n, i) => (
            <li key={n.id} className={n.id === selected ? 'note-row selected' : 'note-row'} data-note-id={n.id}>
              <button type="button" className="note-open" onClick={() => onOpen(n.id)} aria-current={n.id === selected ? 'page' : undefined}>
                <span className="note-title">{n.title.trim() || 'Untitled'}</span>
                <Avatars people={people.filter((p) => p.noteId === n.id)} />
              </button>
              <span className="note-actions">
                <button type="button" className="icon" aria-label={`Move ${n.title} up`} disabled={i === 0} onClick={() => moveNote(index, n.id, -1)}>
                  ↑
                </button>
                <button
                  type="button"
                  className="icon"
                  aria-label={`Move ${n.title} down`}
                  disabled={i === notes.length - 1}
                  onClick={() => moveNote(index, n.id, 1)}
                >
                  ↓
                </button>
                <button type="button" className="icon danger" aria-label={`Delete ${n.title}`} onClick={() => deleteNote(index, n.id)}>
                  ×
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </nav>
  )
}
