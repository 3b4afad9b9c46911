import type { DocHandle } from '@weft/client'
import { useClient } from '@weft/react'
import { useLayoutEffect, useRef } from 'react'
import { type Badge, syncBadge } from '../model/sync-badge'
import { watchSyncStatus } from '../model/sync-status-watch'

/**
 * Where this device's edits are, over the docs in use (and any other with
 * edits to save). React renders the element once; its state, label and
 * count are written by the status watcher, so a keystroke's two status
 * changes re-render nothing (see sync-status-watch.ts).
 */
export function SyncBadge({ inUse }: { inUse: readonly DocHandle[] }) {
  const client = useClient()
  const host = useRef<HTMLDivElement>(null)
  useLayoutEffect(() => {
    const el = host.current
    if (!el) return
    return watchSyncStatus(client, inUse, (status) => showBadge(el, syncBadge(status)))
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
