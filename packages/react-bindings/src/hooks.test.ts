// @vitest-environment jsdom
import { createClient, memoryStorage, type DocHandle } from '@weft/client'
import { act, render, renderHook, screen, waitFor } from '@testing-library/react'
import { Suspense, createElement as h, memo, useEffect } from 'react'
import { describe, expect, it } from 'vitest'
import { WeftProvider } from './provider.js'
import { localClient, wrap } from './test-support/local-clients.js'
import { renderCounter } from './test-support/render-counter.js'
import { useDoc, type UseDocResult } from './use-doc.js'
import { useDocState } from './use-doc-state.js'
import { useDocSuspense } from './use-doc-suspense.js'
import { useText } from './use-text.js'
import { shallowEqual } from './shallow-equal.js'

describe('useDoc', () => {
  it('returns the handle at once and becomes ready after the local load', async () => {
    const client = localClient()
    const { result } = renderHook(() => useDoc('note:1'), { wrapper: wrap(client) })
    expect(result.current.handle).toBe(client.doc('note:1'))
    expect(result.current.doc).toBe(client.doc('note:1').doc)
    await waitFor(() => expect(result.current.ready).toBe(true))
    expect(result.current.status.connection).toBe('offline')
  })

  it('throws a clear error outside a provider', () => {
    expect(() => renderHook(() => useDoc('x'))).toThrow(/WeftProvider/)
  })
})

describe('useDocState', () => {
  it('re-renders a component only when its selected slice changes', async () => {
    const client = localClient()
    const counter = renderCounter()
    let note: UseDocResult | undefined
    // memo: the parent re-renders on status changes; the children must only re-render for their slice.
    const Title = memo(function Title({ source }: { source: DocHandle }) {
      counter.hit('title')
      const title = useDocState(source, (d) => d.getMap('meta').get('title'))
      return h('h1', null, String(title ?? ''))
    })
    const Likes = memo(function Likes({ source }: { source: DocHandle }) {
      counter.hit('likes')
      const likes = useDocState(source, (d) => d.getCounter('likes').value)
      return h('span', { 'data-testid': 'likes' }, likes)
    })
    function App() {
      note = useDoc('note:rc')
      return h('div', null, h(Title, { source: note.handle }), h(Likes, { source: note.handle }))
    }
    render(h(WeftProvider, { client }, h(App)))
    await waitFor(() => expect(note?.ready).toBe(true))
    const doc = note!.doc
    const titleBefore = counter.count('title')
    const likesBefore = counter.count('likes')

    act(() => doc.getCounter('likes').increment(1))
    act(() => doc.getCounter('likes').increment(1))
    expect(screen.getByTestId('likes').textContent).toBe('2')
    expect(counter.count('likes')).toBe(likesBefore + 2)
    expect(counter.count('title')).toBe(titleBefore)

    act(() => doc.getMap('meta').set('title', 'Groceries'))
    expect(screen.getByRole('heading').textContent).toBe('Groceries')
    expect(counter.count('title')).toBe(titleBefore + 1)
    expect(counter.count('likes')).toBe(likesBefore + 2)

    // Setting the same title again is a change to the doc but not to the slice.
    act(() => doc.getMap('meta').set('title', 'Groceries'))
    expect(counter.count('title')).toBe(titleBefore + 1)
  })

  it('returns the same snapshot between changes, and keeps it for equal values with isEqual', async () => {
    const client = localClient()
    const handle = client.doc('note:snap')
    await handle.ready
    handle.doc.getList('order').push('a', 'b')
    const { result, rerender } = renderHook(() => useDocState(handle, (d) => d.getList('order').toArray(), shallowEqual), {
      wrapper: wrap(client),
    })
    const first = result.current
    expect(first).toEqual(['a', 'b'])
    rerender()
    expect(result.current).toBe(first)
    act(() => handle.doc.getMap('other').set('k', 1))
    expect(result.current).toBe(first)
    act(() => handle.doc.getList('order').push('c'))
    expect(result.current).toEqual(['a', 'b', 'c'])
    expect(result.current).not.toBe(first)
  })

  it('sees a change made after its render but before it subscribed', async () => {
    const client = localClient()
    const handle = client.doc('note:gap')
    await handle.ready
    // Sibling effects run in order: Writer's effect edits the doc before Reader's store subscribes.
    function Writer() {
      useEffect(() => handle.doc.getText('body').insert(0, 'late'), [])
      return null
    }
    function Reader() {
      return h(
        'p',
        { 'data-testid': 'gap' },
        useDocState(handle, (d) => d.getText('body').toString()),
      )
    }
    render(h(WeftProvider, { client }, h(Writer), h(Reader)))
    await waitFor(() => expect(screen.getByTestId('gap').textContent).toBe('late'))
  })

  it('follows remote changes (a delta from another replica)', async () => {
    const client = localClient()
    const other = localClient()
    const a = client.doc('note:remote')
    const b = other.doc('note:remote')
    await Promise.all([a.ready, b.ready])
    const { result } = renderHook(() => useDocState(a, (d) => d.getText('body').toString()), { wrapper: wrap(client) })
    const off = b.doc.on('delta', (bytes) => a.doc.applyDelta(bytes))
    act(() => b.doc.getText('body').insert(0, 'from b'))
    off()
    expect(result.current).toBe('from b')
  })
})

describe('useText', () => {
  it('reads the text and edits it with insert, delete and a diffing replace', async () => {
    const client = localClient()
    const handle = client.doc('note:text')
    await handle.ready
    const { result } = renderHook(() => useText(handle, 'body'), { wrapper: wrap(client) })
    const ops = result.current[1]
    act(() => ops.insert(0, 'hello world'))
    expect(result.current[0]).toBe('hello world')
    act(() => ops.delete(5, 6))
    expect(result.current[0]).toBe('hello')
    let deltas = 0
    const off = handle.doc.on('delta', () => deltas++)
    act(() => ops.replace('hello there', 11))
    off()
    expect(result.current[0]).toBe('hello there')
    expect(handle.doc.getText('body').toString()).toBe('hello there')
    expect(deltas).toBe(1)
    expect(result.current[1]).toBe(ops) // stable ops
  })

  it('does not re-render for changes to another text', async () => {
    const client = localClient()
    const handle = client.doc('note:text2')
    await handle.ready
    const counter = renderCounter()
    function Body() {
      counter.hit('body')
      return h('p', null, useText(handle, 'body')[0])
    }
    render(h(WeftProvider, { client }, h(Body)))
    const before = counter.count('body')
    act(() => handle.doc.getText('title').insert(0, 'x'))
    expect(counter.count('body')).toBe(before)
    act(() => handle.doc.getText('body').insert(0, 'y'))
    expect(counter.count('body')).toBe(before + 1)
  })
})

describe('useDocSuspense', () => {
  it('suspends until the doc has loaded, then renders its content', async () => {
    const storage = memoryStorage()
    const first = createClient({ storage, tabs: false, online: false })
    const h1 = first.doc('note:s')
    await h1.ready
    h1.doc.getText('body').insert(0, 'stored earlier')
    await first.close()

    const client = localClient(false, storage)
    function Note() {
      const note = useDocSuspense('note:s')
      const [body] = useText(note, 'body')
      return h('p', { 'data-testid': 'body' }, `${String(note.ready)}:${body}`)
    }
    render(h(WeftProvider, { client }, h(Suspense, { fallback: h('p', { 'data-testid': 'fallback' }, 'loading') }, h(Note))))
    expect(screen.getByTestId('fallback')).toBeTruthy()
    await waitFor(() => expect(screen.getByTestId('body').textContent).toBe('true:stored earlier'))
  })
})
