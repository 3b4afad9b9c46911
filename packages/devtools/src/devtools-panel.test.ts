// @vitest-environment jsdom
import { createClient, memoryStorage } from '@weft/client'
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { createElement as h } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import { WeftDevtools } from './devtools-panel.js'

const clients: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
})

describe('WeftDevtools', () => {
  it('opens from its button and shows the open docs and the changes made', async () => {
    const client = createClient({ storage: memoryStorage(), tabs: false })
    clients.push(client)
    render(h(WeftDevtools, { client }))
    expect(screen.queryByTestId('weft-devtools')).toBeNull()
    const note = client.doc('note:p')
    await act(() => note.ready)
    await act(async () => note.doc.getText('body').insert(0, 'abc'))
    fireEvent.click(screen.getByRole('button', { name: 'Weft devtools' }))
    const panel = await screen.findByTestId('weft-devtools')
    expect(panel.querySelector('[data-doc="note:p"]')?.textContent).toContain(`${note.doc.replicaId}:3`)
    await waitFor(() => expect(screen.getByTestId('weft-devtools-log').querySelectorAll('tr[data-source="local"]')).toHaveLength(1))
    expect(screen.getByTestId('weft-devtools-connection').textContent).toBe('offline')
  })
})
