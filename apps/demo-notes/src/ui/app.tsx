import { useClient, useDoc, useDocState } from '@weft/react'
import { useCallback, useEffect, useMemo, useState } from 'react'
import type { CaretCursor, Identity, PresenceState } from '../model/identity'
import { INDEX_DOC, createNote, noteDocId, readNotes, sameNotes } from '../model/notes-index'
import type { OfflineSwitch } from '@weft/client'
import { Avatars } from './avatar'
import { DeletedNote } from './deleted-note'
import { NoteEditor } from './note-editor'
import { NoteList } from './note-list'
import { OfflineToggle } from './offline-toggle'
import { ShortLink } from './short-link'
import { usePeople } from './presence-feed'
import { SyncBadge } from './sync-badge'
import { useHashRoute } from './use-hash-route'
import { useOpenNote } from './use-vanished-note'

export function App({ identity, net }: { identity: Identity; net: OfflineSwitch }) {
  const index = useDoc(INDEX_DOC)
  const notes = useDocState(index, readNotes, sameNotes)
  const [selected, open] = useHashRoute()
  const { note, vanished } = useOpenNote(notes, selected, index.ready)
  // Empty is only known once this device's copy is loaded and, if that has nothing, the server was asked (or cannot be).
  const { connection } = index.status
  const listKnown = index.ready && (notes.length > 0 || connection === 'synced' || connection === 'offline')
  // The note just created here: its editor opens with the title focused.
  const [created, setCreated] = useState<string | null>(null)

  // Presence lives on the index doc, so everyone sees who is on which note.
  // Ours is published straight to the handle, not through React state: a caret
  // move (every key, every arrow) must not re-render the app.
  // Who is where, without carets: a caret moving re-renders nothing (the editor draws carets itself).
  const { handle } = index
  const people = usePeople(handle, identity.id)
  const noteId = note?.id ?? null
  // The docs the sync badge speaks for: the index and the open note.
  const client = useClient()
  const inUse = useMemo(() => (noteId === null ? [handle] : [handle, client.doc(noteDocId(noteId))]), [client, handle, noteId])
  useEffect(() => {
    handle.presence.set({ ...identity, noteId, caret: null } satisfies PresenceState)
  }, [handle, identity, noteId])
  const publishCaret = useCallback(
    (caret: CaretCursor) => handle.presence.set({ ...identity, noteId, caret } satisfies PresenceState),
    [handle, identity, noteId],
  )

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
          <SyncBadge inUse={inUse} />
          <OfflineToggle net={net} />
        </div>
      </header>
      <main className="layout">
        <NoteList
          index={index.doc}
          loaded={listKnown}
          notes={notes}
          selected={noteId}
          people={people}
          onOpen={(id) => {
            setCreated(null)
            open(id)
          }}
          onCreated={(id) => {
            setCreated(id)
            open(id)
          }}
        />
        {note ? (
          <div className="note-pane">
            <NoteEditor
              key={note.id}
              index={index.doc}
              note={note}
              viewers={people.filter((p) => p.noteId === note.id)}
              presence={handle}
              selfId={identity.id}
              focusTitle={note.id === created}
              onCaret={publishCaret}
              onBack={() => open(null)}
            />
            <ShortLink key={`link:${note.id}`} noteId={note.id} />
          </div>
        ) : vanished ? (
          <DeletedNote note={vanished} onRestore={() => createNote(index.doc, vanished.id, vanished.title)} onBack={() => open(null)} />
        ) : (
          <section className="editor empty">
            <p>{index.ready ? 'Pick a note, or create one.' : 'Loading…'}</p>
          </section>
        )}
      </main>
    </div>
  )
}
