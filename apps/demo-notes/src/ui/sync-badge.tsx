import type { DocHandle } from '@weft/client'
import { useClient } from '@weft/react'
import { useLayoutEffect, useRef } from 'react'
import { type Badge, syncBadge } from '../model/sync-badge'
import { watchSyncStatus } from '../model/sync-status-watch'

/**
 * How long edits may be on their way to the server before a badge that said "Saved on the
 * server" says "Syncing…": every keystroke is unsaved until the server acks it, a few ms later,
 * and a badge that flips with every key is noise, and two frames drawn per key.
 */
const SYNCING_AFTER_MS = 500

/**
 * Where this device's edits are, over the docs in use (and any other with
 * edits to save). React renders the element once; its state, label and
 * count are written by the status watcher, so a keystroke's two status
 * changes re-render nothing (see sync-status-watch.ts), and a short trip
 * to the server shows nothing.
 */
export function SyncBadge({ inUse }: { inUse: readonly DocHandle[] }) {
  const client = useClient()
  const host = useRef<HTMLDivElement>(null)
  useLayoutEffect(() => {
    const el = host.current
    if (!el) return
    let shown: Badge | null = null
    let timer: ReturnType<typeof setTimeout> | undefined
    const show = (badge: Badge): void => {
      clearTimeout(timer)
      shown = badge
      showBadge(el, badge)
    }
    const stop = watchSyncStatus(client, inUse, (status) => {
      const next = syncBadge(status)
      if (shown?.state === 'server' && next.state === 'syncing') {
        clearTimeout(timer)
        timer = setTimeout(() => show(next), SYNCING_AFTER_MS)
      } else show(next)
    })
    return () => {
      clearTimeout(timer)
      stop()
    }
  }, [client, inUse])
  return <div ref={host} className="badge" data-testid="sync-badge" role="status" aria-live="polite" />
}

/** Writes `badge` into the element (its children are made here, never by React). */
function showBadge(el: HTMLElement, badge: Badge): void {
  el.className = `badge badge-${badge.state}`
  el.dataset.state = badge.state
  if (el.childElementCount === 0) {
    const dot = el.ownerDocument.createElement('span')
    dot.className = 'badge-dot'
    dot.setAttribute('aria-hidden', 'true')
    const label = el.ownerDocument.createElement('span')
    label.className = 'badge-label'
    el.append(dot, label)
  }
  const label = el.querySelector('.badge-label')!
  if (label.textContent !== badge.label) label.textContent = badge.label
  let count = el.querySelector<HTMLElement>('.badge-count')
  if (badge.unsaved === 0) {
    count?.remove()
    return
  }
  if (count === null) {
    count = el.ownerDocument.createElement('span')
    count.className = 'badge-count'
    count.dataset.testid = 'unsaved'
    count.title = 'edits not yet on the server'
    el.append(count)
  }
  const text = `${badge.unsaved} unsaved`
  if (count.textContent !== text) count.textContent = text
}
