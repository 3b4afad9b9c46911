/** How the page's server wants clients to connect. */
export type Session =
  /** The Weft server itself served the page: sync at its /sync, no token (open mode). */
  | { readonly auth: 'open' }
  /** The demo backend served it: sync at `syncUrl` with tokens from /api/weft-token, once signed in. */
  | { readonly auth: 'jwt'; readonly syncUrl: string; readonly user: string | null }

/**
 * Asks the page's server. The Weft server has no /api/session (its single-page
 * fallback answers with the app's HTML), which means open mode.
 */
export async function loadSession(fetcher: typeof fetch = fetch): Promise<Session> {
  try {
    const res = await fetcher('/api/session', { headers: { accept: 'application/json' } })
    if (!res.ok || !res.headers.get('content-type')?.includes('application/json')) return { auth: 'open' }
    const body = (await res.json()) as { auth?: unknown; syncUrl?: unknown; user?: unknown }
    if (body.auth !== 'jwt' || typeof body.syncUrl !== 'string') return { auth: 'open' }
    return { auth: 'jwt', syncUrl: body.syncUrl, user: typeof body.user === 'string' ? body.user : null }
  } catch {
    return { auth: 'open' } // offline at load: the app still opens from this device's copy
  }
}

/** A fresh token for every connection, from the backend's token endpoint. */
export async function fetchWeftToken(fetcher: typeof fetch = fetch): Promise<string> {
  const res = await fetcher('/api/weft-token')
  if (!res.ok) throw new Error(`no token from /api/weft-token (${res.status}): sign in again`)
  return ((await res.json()) as { token: string }).token
}
