import { describe, expect, it } from 'vitest'
import { browserOnlineSignal } from './online-signal.js'

function fakeWindow() {
  const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' })
  const win = Object.assign(new EventTarget(), { document: doc })
  return { win, doc }
}

describe('browserOnlineSignal', () => {
  it('[CLIENT-NET-FOCUS-1] fires on online, on window focus and when the tab becomes visible, and stops after unsubscribe', () => {
    const { win, doc } = fakeWindow()
    const signal = browserOnlineSignal(win)
    let hints = 0
    const off = signal?.subscribe(() => hints++)
    win.dispatchEvent(new Event('online'))
    win.dispatchEvent(new Event('focus'))
    expect(hints).toBe(2)
    doc.dispatchEvent(new Event('visibilitychange')) // hidden: the user left, no hint
    expect(hints).toBe(2)
    doc.visibilityState = 'visible'
    doc.dispatchEvent(new Event('visibilitychange'))
    expect(hints).toBe(3)
    off?.()
    win.dispatchEvent(new Event('focus'))
    doc.dispatchEvent(new Event('visibilitychange'))
    expect(hints).toBe(3)
  })

  it('is undefined where there is no window (Node)', () => {
    expect(browserOnlineSignal({})).toBeUndefined()
  })
})
