import type { Doc } from '@weft/crdt-core'

/**
 * A note's short link (`/n/trip-to-lisbon`): the slug the note wants is CRDT
 * state (works offline, merges); whether it got it is decided by a strong
 * claim on the server (`client.strong.claim`, CP), which only runs online.
 * The outcome is written back into the note, so every device shows it.
 */
export type LinkView =
  | { readonly state: 'none' }
  /** Wanted, not decided yet; `offline` when it was picked without a connection. */
  | { readonly state: 'pending'; readonly slug: string; readonly offline: boolean }
  | { readonly state: 'claimed'; readonly slug: string }
  /** Another note holds it; the wanted slug stays so the message can name it. */
  | { readonly state: 'taken'; readonly slug: string; readonly offline: boolean }

const link = (doc: Doc) => doc.getMap('link')

/** The claim name of a slug: the one namespace all notes share. */
export const linkName = (slug: string): string => `/n/${slug}`

/** Lowercase words joined by dashes, or '' when nothing usable is left. */
export function normalizeSlug(input: string): string {
  return input
    .trim()
    .toLowerCase()
    .replace(/^\/?n\//, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
}

export function readLink(doc: Doc): LinkView {
  const m = link(doc)
  const wanted = m.get('wanted')
  if (typeof wanted !== 'string' || wanted === '') return { state: 'none' }
  const offline = m.get('wantedOffline') === true
  if (m.get('claimed') === wanted) return { state: 'claimed', slug: wanted }
  if (m.get('taken') === wanted) return { state: 'taken', slug: wanted, offline }
  return { state: 'pending', slug: wanted, offline }
}

export const sameLink = (a: LinkView, b: LinkView): boolean => JSON.stringify(a) === JSON.stringify(b)

/** The note wants `slug`; `offline` when picked without a connection (the claim waits for one). */
export function wantLink(doc: Doc, slug: string, offline: boolean): void {
  doc.transact(() => {
    link(doc).set('wanted', slug)
    link(doc).set('wantedOffline', offline)
  })
}

/** The server's claim decided `slug` for this note (`ok`) or for another note. */
export function settleLink(doc: Doc, slug: string, ok: boolean): void {
  link(doc).set(ok ? 'claimed' : 'taken', slug)
}
