import type { Client } from '@weft/client'
import { type CSSProperties, createElement as h, type ReactNode, useEffect, useState, useSyncExternalStore } from 'react'
import { createInspector, type DeltaLogEntry, type DocView, type Inspector, type InspectorOptions } from './inspector.js'

/** Props of {@link WeftDevtools}. */
export interface WeftDevtoolsProps extends InspectorOptions {
  readonly client: Client
  /** Open at first (default false: only the toggle button shows). */
  readonly initialOpen?: boolean
  /** Log entries shown, newest first (default 50). */
  readonly shownLog?: number
}

const S = {
  toggle: {
    position: 'fixed',
    right: 12,
    bottom: 12,
    zIndex: 2147483646,
    font: '12px system-ui, sans-serif',
    padding: '6px 10px',
    borderRadius: 6,
    border: '1px solid #999',
    background: '#1f2328',
    color: '#fff',
    cursor: 'pointer',
  },
  panel: {
    position: 'fixed',
    right: 12,
    bottom: 48,
    zIndex: 2147483646,
    width: 'min(640px, calc(100vw - 24px))',
    maxHeight: '60vh',
    overflow: 'auto',
    font: '12px ui-monospace, monospace',
    background: '#fff',
    color: '#1f2328',
    border: '1px solid #999',
    borderRadius: 8,
    boxShadow: '0 8px 24px rgba(0,0,0,.2)',
    padding: 10,
  },
  h: { font: '600 12px system-ui, sans-serif', margin: '10px 0 4px' },
  table: { borderCollapse: 'collapse', width: '100%' },
  cell: { borderBottom: '1px solid #eee', padding: '2px 6px', textAlign: 'left', verticalAlign: 'top' },
} satisfies Record<string, CSSProperties>

const row = (cells: ReactNode[], header = false): ReactNode => h('tr', null, ...cells.map((c, i) => h(header ? 'th' : 'td', { key: i, style: S.cell }, c)))
const vvText = (vv: Record<string, number>): string =>
  Object.entries(vv)
    .map(([r, c]) => `${r}:${c}`)
    .join(' ') || '∅'
const dotsText = (e: DeltaLogEntry): string => e.dots.map((d) => `${d.replica}:${d.from + 1}..${d.to}`).join(' ') || '—'

function DocsTable({ docs }: { docs: readonly DocView[] }): ReactNode {
  return h(
    'table',
    { style: S.table, 'data-testid': 'weft-devtools-docs' },
    h('thead', null, row(['doc', 'sync', 'unsaved', 'outbox', 'version vector', 'pending', 'presence'], true)),
    h(
      'tbody',
      null,
      docs.map((d) =>
        h(
          'tr',
          { key: d.id, 'data-doc': d.id },
          ...[
            d.id,
            `${d.status.connection}${d.ready ? '' : ' (loading)'}${d.status.storageError ? ' · storage error' : ''}`,
            String(d.status.unsaved),
            d.outbox ? `${d.outbox.entries} (${d.outbox.bytes} B)` : '…',
            vvText(d.versionVector),
            String(d.pending),
            d.presence.others.map((p) => `${p.key} ${JSON.stringify(p.state)}`).join('\n') || '—',
          ].map((c, i) => h('td', { key: i, style: { ...S.cell, whiteSpace: i === 6 ? 'pre-wrap' : undefined } }, c)),
        ),
      ),
    ),
  )
}

function LogTable({ log }: { log: readonly DeltaLogEntry[] }): ReactNode {
  return h(
    'table',
    { style: S.table, 'data-testid': 'weft-devtools-log' },
    h('thead', null, row(['time', 'doc', 'from', 'bytes', 'dots'], true)),
    h(
      'tbody',
      null,
      log.map((e) =>
        h(
          'tr',
          { key: e.seq, 'data-source': e.source },
          ...[new Date(e.at).toLocaleTimeString(), e.doc, e.source, e.bytes === undefined ? '' : String(e.bytes), dotsText(e)].map((c, i) =>
            h('td', { key: i, style: S.cell }, c),
          ),
        ),
      ),
    ),
  )
}

function Panel({ inspector, shownLog }: { inspector: Inspector; shownLog: number }): ReactNode {
  const state = useSyncExternalStore(inspector.subscribe, () => inspector.state)
  useEffect(() => void inspector.refreshOutbox(), [inspector])
  const newestFirst = state.log.slice(-shownLog).reverse()
  return h(
    'section',
    { style: S.panel, 'aria-label': 'Weft devtools', 'data-testid': 'weft-devtools' },
    h('div', { style: S.h }, 'Connection: ', h('span', { 'data-testid': 'weft-devtools-connection' }, state.connection)),
    h('div', { style: S.h }, `Open docs (${state.docs.length})`),
    h(DocsTable, { docs: state.docs }),
    h(
      'div',
      { style: S.h },
      `Delta log (${state.log.length}) `,
      h('button', { type: 'button', onClick: () => inspector.clearLog() }, 'Clear'),
      ' ',
      h('button', { type: 'button', onClick: () => void inspector.refreshOutbox() }, 'Re-read outboxes'),
    ),
    h(LogTable, { log: newestFirst }),
  )
}

/**
 * A floating devtools panel for any Weft app: open docs with their sync
 * state, unsaved count, stored outbox, version vector, causal-buffer size
 * and presence, the connection, and a log of every change (made here, or
 * from the server, another tab or storage) with the dots it added.
 *
 * @example
 * <WeftProvider client={client}>
 *   <App />
 *   {import.meta.env.DEV && <WeftDevtools client={client} />}
 * </WeftProvider>
 */
export function WeftDevtools({ client, initialOpen = false, shownLog = 50, ...options }: WeftDevtoolsProps): ReactNode {
  const [open, setOpen] = useState(initialOpen)
  // One inspector per client, from mount on, so the log covers changes made while the panel is closed.
  const [inspector, setInspector] = useState<Inspector | null>(null)
  const { logSize, outboxDelayMs } = options
  useEffect(() => {
    const i = createInspector(client, {
      ...(logSize !== undefined && { logSize }),
      ...(outboxDelayMs !== undefined && { outboxDelayMs }),
    })
    setInspector(i)
    return () => i.close()
  }, [client, logSize, outboxDelayMs])
  return h(
    'div',
    null,
    h('button', { type: 'button', style: S.toggle, 'aria-expanded': open, onClick: () => setOpen((o) => !o) }, open ? 'Close Weft devtools' : 'Weft devtools'),
    open && inspector ? h(Panel, { inspector, shownLog }) : null,
  )
}
