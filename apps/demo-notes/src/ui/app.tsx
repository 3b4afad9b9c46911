import { useDoc, useDocState, usePresence } from '@weft/react'
import { useEffect, useState } from 'react'
import type { Identity, PresenceState } from '../model/identity'
import { INDEX_DOC, readNotes, sameNotes } from '../model/notes-index'
import type { OfflineSwitch } from '@weft/client'
import { Avatars } from './avatar'
import { NoteEditor } from './note-editor'
import { NoteList } from './note-list'
import { OfflineToggle } from './offline-toggle'
import { uniquePeople } from './people'
import { SyncBadge } from './sync-badge'
import { useHashRoute } from './use-hash-route'

export function App({ identity, net }: { identity: Identity; net: OfflineSwitch }) {
  const index = useDoc(INDEX_DOC)
  const notes = useDocState(index, readNotes, sameNotes)
  const [selected, open] = useHashRoute()
  const note = notes.find((n) => n.id === selected)
  const [caret, setCaret] = useState<number | null>(null)

  // Presence lives on the index doc, so everyone sees who is on which note.
  const presence = usePresence<PresenceState>(index)
  const people = uniquePeople(presence.others, identity.id)
  const { update } = presence
  const noteId = note?.id ?? null
  useEffect(() => {
    update({ ...identity, noteId, caret: noteId === null ? null : caret })
  }, [update, identity, noteId, caret])

  return (
    <div className={note ? 'app has-note' : 'app'}>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>
          Weft Notes
        </div>
        <div className="topbar-right">
          <span className="people" data-testid="people" title={people.map((p) => p.name).join(', ')}>
            <Avatars people={people} />
            <span className="me" data-name={identity.name}>
              <span className="me-dot" style={{ background: identity.color }} aria-hidden="true" />
              You are {identity.name}
            </span>
          </span>
          <SyncBadge />
          <OfflineToggle net={net} />
        </div>
      </header>
      <main className="layout">
        <NoteList index={index.doc} notes={notes} selected={noteId} people={people} onOpen={open} />
        {note ? (
          <NoteEditor
            key={note.id}
            index={index.doc}
            note={note}
            viewers={people.filter((p) => p.noteId === note.id)}
            onCaret={setCaret}
            onBack={() => open(null)}
          />
        ) : (
          <section className="editor empty">
            <p>{index.ready ? 'Pick a note, or create one.' : 'Loading…'}</p>
          </section>
        )}
      </main>
    </div>
  )
}
