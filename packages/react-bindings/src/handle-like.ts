import type { DocHandle } from '@weft/client'

/** A doc handle, or anything carrying one (the result of `useDoc`). */
export type HandleLike = DocHandle | { readonly handle: DocHandle }

/** The handle behind a {@link HandleLike}. */
export function toHandle(source: HandleLike): DocHandle {
  return 'handle' in source ? source.handle : source
}
