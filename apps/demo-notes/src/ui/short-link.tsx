import { isWeftOutcomeUnknownError, isWeftUnavailableError } from '@weft/client'
import { useClient, useDocState } from '@weft/react'
import { useCallback, useEffect, useRef, useState } from 'react'
import { noteDocId } from '../model/notes-index'
import { type LinkView, linkName, normalizeSlug, readLink, sameLink, settleLink, wantLink } from '../model/short-link'
import './short-link.css'
import { useOpenDoc } from './use-open-doc'

/** How often a pending link retries its claim while it cannot reach the server. */
const RETRY_MS = 1000

/**
 * A note's short link. Picking one works offline (it is saved in the note);
 * reserving it is a strong claim on the server, made as soon as the client
 * can reach it: links are unique, so two notes never both get one, and the
 * one that loses is told, with every edit of its note kept.
 */
export function ShortLink({ noteId }: { noteId: string }) {
  const client = useClient()
  const note = useOpenDoc(noteDocId(noteId))
  const view = useDocState(note, readLink, sameLink)
  const [draft, setDraft] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const inFlight = useRef(false)

  const claim = useCallback(
    async (slug: string) => {
      if (inFlight.current || !client.strong.available) return
      inFlight.current = true
      try {
        // The note's id owns the name: a retry from any device of this note is the same claim.
        const r = await client.strong.claim(linkName(slug), noteId)
        settleLink(note.doc, slug, r.ok === true)
        setProblem(null)
      } catch (e) {
        // Not decided: the claim is tried again while the link is pending.
        if (isWeftUnavailableError(e) || isWeftOutcomeUnknownError(e)) setProblem('The server could not reserve the link just now; trying again.')
        else setProblem(e instanceof Error ? e.message : String(e))
      } finally {
        inFlight.current = false
      }
    },
    [client, note.doc, noteId],
  )

  const pending = view.state === 'pending' ? view.slug : null
  useEffect(() => {
    if (pending === null || !note.ready) return
    void claim(pending)
    const t = setInterval(() => void claim(pending), RETRY_MS)
    return () => clearInterval(t)
  }, [pending, note.ready, claim])

  const submit = (e: React.FormEvent) => {
    e.preventDefault()
    const slug = normalizeSlug(draft)
    if (slug === '') return
    wantLink(note.doc, slug, !client.strong.available)
    setDraft('')
  }

  return (
    <section className="short-link" aria-label="Short link" data-state={view.state}>
      <form onSubmit={submit}>
        <label>
          <span className="short-link-prefix">/n/</span>
          <input aria-label="Short link" placeholder="trip-to-lisbon" value={draft} onChange={(e) => setDraft(e.target.value)} disabled={!note.ready} />
        </label>
        <button type="submit" disabled={normalizeSlug(draft) === ''}>
          Reserve link
        </button>
      </form>
      <LinkStatus view={view} online={client.strong.available} />
      {problem && view.state === 'pending' && <p className="short-link-note">{problem}</p>}
    </section>
  )
}

function LinkStatus({ view, online }: { view: LinkView; online: boolean }) {
  switch (view.state) {
    case 'none':
      return null
    case 'claimed':
      return (
        <p className="short-link-status" data-testid="short-link-status">
          Short link: <code>{linkName(view.slug)}</code> is this note’s.
        </p>
      )
    case 'pending':
      return (
        <p className="short-link-status" data-testid="short-link-status">
          {online
            ? `Reserving ${linkName(view.slug)}…`
            : `${linkName(view.slug)} will be reserved when you are back online (links are unique, so only the server can hand them out).`}
        </p>
      )
    case 'taken':
      return (
        <p className="short-link-status taken" role="alert" data-testid="short-link-status">
          {linkName(view.slug)} was already taken by another note{view.offline ? ' while you were offline' : ''}. Your note and every edit in it are kept; pick
          another link.
        </p>
      )
  }
}
