import type { ReactNode } from 'react'

/** A table cell's content and, optionally, its class (ok/bad/up/down colour it). */
export type Cell = string | number | { readonly text: ReactNode; readonly cls: string }

export const upDown = (up: boolean, down = 'down'): Cell => ({ text: up ? 'up' : down, cls: up ? 'up' : 'down' })
export const okBad = (ok: boolean): Cell => ({ text: ok ? 'ok' : 'unreachable', cls: ok ? 'ok' : 'bad' })
export const clock = (iso: string): string => new Date(iso).toLocaleTimeString()

/** A table body of rows of cells, keyed by the given key of each row. */
export function Rows({ rows }: { readonly rows: readonly { readonly key: string; readonly cells: readonly Cell[] }[] }) {
  return (
    <tbody>
      {rows.map((r) => (
        <tr key={r.key}>
          {r.cells.map((c, i) =>
            typeof c === 'object' ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: a row's cells are fixed columns
              <td key={i} className={c.cls}>
                {c.text}
              </td>
            ) : (
              // biome-ignore lint/suspicious/noArrayIndexKey: a row's cells are fixed columns
              <td key={i}>{String(c)}</td>
            ),
          )}
        </tr>
      ))}
    </tbody>
  )
}
