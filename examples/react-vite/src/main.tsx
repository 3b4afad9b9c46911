import { createClient } from '@weft/client'
import { WeftDevtools } from '@weft/devtools'
import { WeftProvider, useDoc, useSyncStatus, useText } from '@weft/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'

// The page's own server also runs sync at /sync (`weft-server --static dist`).
const client = createClient({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync` })

function SharedNote() {
  const note = useDoc('note:shared')
  const [text, ops] = useText(note, 'body')
  const status = useSyncStatus(note)
  return (
    <main>
      <h1>A shared note</h1>
      <textarea
        aria-label="Shared note"
        rows={8}
        cols={60}
        value={text}
        disabled={!note.ready}
        onChange={(e) => ops.replace(e.target.value, e.target.selectionEnd)}
      />
      <p role="status">{status.savedOnServer ? 'Saved on the server' : `${status.connection}, ${status.unsaved} unsaved`}</p>
    </main>
  )
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <WeftProvider client={client}>
      <SharedNote />
      <WeftDevtools client={client} />
    </WeftProvider>
  </StrictMode>,
)
