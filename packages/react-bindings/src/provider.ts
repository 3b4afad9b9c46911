import type { Client } from '@weft/client'
import { createContext, createElement, useContext, useMemo, type ReactNode } from 'react'
import { HandleRegistry } from './registry.js'

const WeftContext = createContext<HandleRegistry | null>(null)

/** Props of {@link WeftProvider}. */
export interface WeftProviderProps {
  client: Client
  children?: ReactNode
}

/**
 * Makes a Weft client available to the hooks below it. The client is created
 * by the app (so SSR can skip creating it, and tests can pass memory storage).
 *
 * @example
 * const client = createClient({ url: 'wss://sync.example.com' })
 * root.render(<WeftProvider client={client}><App /></WeftProvider>)
 */
export function WeftProvider({ client, children }: WeftProviderProps): ReactNode {
  const registry = useMemo(() => new HandleRegistry(client), [client])
  return createElement(WeftContext.Provider, { value: registry }, children)
}

/** @internal The provider's registry; throws outside a provider. */
export function useRegistry(): HandleRegistry {
  const registry = useContext(WeftContext)
  if (!registry) throw new Error('Weft hooks need a <WeftProvider client={...}> above them')
  return registry
}

/**
 * The client of the nearest {@link WeftProvider}.
 *
 * @example
 * const client = useClient()
 * const onCreate = () => client.doc(`note:${crypto.randomUUID()}`)
 */
export function useClient(): Client {
  return useRegistry().client
}
