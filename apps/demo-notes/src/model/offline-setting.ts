import type { OfflineSwitch } from '@weft/client'

const KEY = 'weft-demo:offline'

/**
 * Restores the Offline switch from `storage` and saves it there on every flip.
 * Per tab (sessionStorage in the app), like the identity: the switch is this
 * tab's network cable, and a reload must not plug it back in.
 */
export function keepOfflineSwitch(net: OfflineSwitch, storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>): () => void {
  if (storage.getItem(KEY) === '1') net.setOffline(true)
  return net.subscribe(() => {
    if (net.offline) storage.setItem(KEY, '1')
    else storage.removeItem(KEY)
  })
}
