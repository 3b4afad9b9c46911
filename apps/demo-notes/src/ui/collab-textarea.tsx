import { mapCaret, type TextOps } from '@weft/react'
import { useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import type { PresenceState } from '../model/identity'
import { useMappedCarets } from './use-mapped-carets'

interface Props {
  value: string
  ops: TextOps
  /** Others on this note, drawn as coloured carets. */
  carets: readonly PresenceState[]
  onCaret(caret: number): void
  onUndo(): void
  onRedo(): void
  disabled?: boolean
}

/**
 * A textarea bound to a Weft Text. Local input becomes the smallest splice;
 * when someone else's edit changes the text, our caret and selection are
 * mapped through that change (from the text before and after), so they stay
 * on the same characters instead of jumping to the end.
 */
export function CollabTextarea({ value, ops, carets, onCaret, onUndo, onRedo, disabled = false }: Props) {
  const ref = useRef<HTMLTextAreaElement>(null)
  // The DOM's text and selection just before a change from elsewhere is committed.
  const before = useRef<{ text: string; start: number; end: number } | null>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const shownCarets = useMappedCarets(carets, value)

  // Read during render, while the textarea still shows the old text: after
  // the commit the browser has already moved the caret to the end. Our own
  // keystrokes never get here (the DOM already shows their text).
  const el = ref.current
  if (el && el.value !== value && before.current === null) before.current = { text: el.value, start: el.selectionStart, end: el.selectionEnd }

  useLayoutEffect(() => {
    const prev = before.current
    before.current = null
    const el = ref.current
    if (!prev || !el || prev.text === value) return
    const start = mapCaret(prev.start, prev.text, value)
    const end = mapCaret(prev.end, prev.text, value)
    el.setSelectionRange(start, end, el.selectionDirection)
  }, [value])

  const remember = (el: HTMLTextAreaElement): void => onCaret(el.selectionStart)

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (!(e.metaKey || e.ctrlKey)) return
    const key = e.key.toLowerCase()
    if (key === 'z' || key === 'y') {
      // The browser's own undo knows nothing of edits that arrived from others.
      e.preventDefault()
      if (key === 'y' || e.shiftKey) onRedo()
      else onUndo()
    }
  }

  return (
    <div className="collab">
      <div className="collab-mirror" aria-hidden="true" style={{ transform: `translateY(${-scrollTop}px)` }}>
        {withCarets(value, shownCarets)}
      </div>
      <textarea
        ref={ref}
        className="collab-input"
        aria-label="Note body"
        placeholder="Start writing…"
        spellCheck
        disabled={disabled}
        value={value}
        onChange={(e) => {
          const el = e.currentTarget
          ops.replace(el.value, el.selectionEnd)
          remember(el)
        }}
        onSelect={(e) => remember(e.currentTarget)}
        onKeyUp={(e) => remember(e.currentTarget)}
        onMouseUp={(e) => remember(e.currentTarget)}
        onFocus={(e) => remember(e.currentTarget)}
        onKeyDown={onKeyDown}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      />
    </div>
  )
}

/** The text, invisible, with a visible caret marker at each person's position (a mirror of the textarea's layout). */
function withCarets(text: string, carets: readonly PresenceState[]): ReactNode[] {
  const marks = carets
    .filter((p) => typeof p.caret === 'number')
    .map((p) => ({ person: p, at: Math.max(0, Math.min(text.length, p.caret ?? 0)) }))
    .sort((a, b) => a.at - b.at)
  const out: ReactNode[] = []
  let pos = 0
  for (const { person, at } of marks) {
    out.push(text.slice(pos, at))
    out.push(
      <span key={person.id} className="remote-caret" style={{ borderColor: person.color }} data-caret-of={person.name} data-caret-at={at}>
        <span className="remote-caret-name" style={{ background: person.color }}>
          {person.name}
        </span>
      </span>,
    )
    pos = at
  }
  out.push(text.slice(pos), '\u200b') // keeps a trailing newline's line
  return out
}
