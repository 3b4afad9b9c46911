// Node environment on purpose: no window, document or indexedDB.
import { createClient, memoryStorage } from '@weft/client'
import { createElement as h } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import * as weftReact from './index.js'

describe('SSR', () => {
  it('imports and server-renders without browser globals', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined')
    const client = createClient({ storage: memoryStorage(), tabs: false, online: false })
    function Note() {
      const note = weftReact.useDoc('note:ssr')
      const [body] = weftReact.useText(note, 'body')
      const status = weftReact.useSyncStatus()
      const { others } = weftReact.usePresence(note)
      const { canUndo } = weftReact.useUndo(note)
      return h('p', null, `${String(note.ready)}|${body}|${status.connection}|${others.length}|${String(canUndo)}`)
    }
    const html = renderToString(h(weftReact.WeftProvider, { client }, h(Note)))
    expect(html).toBe('<p>false||offline|0|false</p>')
    await client.close()
  })
})
