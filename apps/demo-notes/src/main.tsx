import { createClient, offlineSwitch, webSocketTransport } from '@weft/client'
import { WeftDevtools, installWeftConsole } from '@weft/devtools'
import { WeftProvider } from '@weft/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { loadIdentity } from './model/identity'
import { keepOfflineSwitch } from './model/offline-setting'
import { fetchWeftToken, loadSession } from './model/session'
import { App } from './ui/app'
import { SignIn } from './ui/sign-in'
import './styles.css'

const root = createRoot(document.getElementById('root')!)

async function boot(): Promise<void> {
  // Open mode: the Weft server that served this page runs sync at /sync (VITE_WEFT_URL overrides it in development).
  // With auth: the demo backend says where sync is, and hands out tokens once signed in.
  const session = await loadSession()
  if (session.auth === 'jwt' && session.user === null) {
    root.render(<SignIn onSignedIn={() => location.reload()} />)
    return
  }
  const sameOrigin = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`
  const url = session.auth === 'jwt' ? session.syncUrl : ((import.meta.env.VITE_WEFT_URL as string | undefined) ?? sameOrigin)

  const net = offlineSwitch(webSocketTransport(url))
  // The switch survives a reload of this tab: set before the client first connects, so nothing is uploaded meanwhile.
  keepOfflineSwitch(net, sessionStorage)
  // Reconnect within 10 s at most: a demo server restarted by hand should be back quickly.
  const client = createClient({
    transport: net.transport,
    online: net.online,
    name: 'weft-demo-notes',
    backoff: { maxMs: 10_000 },
    ...(session.auth === 'jwt' && { token: () => fetchWeftToken() }),
  })
  const saved = loadIdentity(sessionStorage)
  const identity = session.auth === 'jwt' && session.user ? { ...saved, name: session.user } : saved
  // `__weft` in the browser console: open docs, version vectors, outbox, presence, delta log.
  installWeftConsole(client)

  root.render(
    <StrictMode>
      <WeftProvider client={client}>
        <App identity={identity} net={net} />
        <WeftDevtools client={client} />
      </WeftProvider>
    </StrictMode>,
  )
}

void boot()
