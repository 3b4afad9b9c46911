import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.js'
import './styles.css'

// The token the page was opened with (`/admin?token=…`) goes with every API call as a bearer token.
const token = new URLSearchParams(location.search).get('token') ?? ''

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App token={token} />
  </StrictMode>,
)
