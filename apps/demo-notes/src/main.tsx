import { createClient, offlineSwitch, webSocketTransport } from '@weft/client'
import { WeftDevtools, installWeftConsole } from '@weft/devtools'
import { WeftProvider } from '@weft/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { loadIdentity } from './model/identity'
import { keepOfflineSwitch } from './model/offline-setting'
import { App } from './ui/app'
import './styles.css'

// The server that served this page also runs sync at /sync (VITE_WEFT_URL overrides it in development).
const sameOrigin = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`
const url = (import.meta.env.VITE_WEFT_URL as string | undefined) ?? sameOrigin

const net = offlineSwitch(webSocketTransport(url))
// The switch survives a reload of this tab: set before the client first connects, so nothing is uploaded meanwhile.
keepOfflineSwitch(net, sessionStorage)
// Reconnect within 10 s at most: a demo server restarted by hand should be back quickly.
const client = createClient({ transport: net.transport, online: net.online, name: 'weft-demo-notes', backoff: { maxMs: 10_000 } })
const identity = loadIdentity(sessionStorage)
// `__weft` in the browser console: open docs, version vectors, outbox, presence, delta log.
installWeftConsole(client)

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <WeftProvider client={client}>
      <App identity={identity} net={net} />
      <WeftDevtools client={client} />
    </WeftProvider>
  </StrictMode>,
)
