import type { Doc, TextCursor, WeftText } from '@weft/crdt-core'
import { diffText, mapCaret } from '@weft/react'

/** A plain text field: the note's textarea or the title's input. */
export type TextField = HTMLTextAreaElement | HTMLInputElement

/** The local selection as stable positions in the Text (each attached to a character). */
export interface CursorSelection {
  readonly start: TextCursor
  readonly end: TextCursor
}

export interface TextBindingOptions {
  /** The local selection moved (or the text moved it): its stable cursors, for presence. */
  onSelection?(selection: CursorSelection): void
  /** The field's text changed by one splice (either way): for a mirror that draws others' carets. */
  onSplice?(index: number, deleted: number, inserted: string): void
}

/**
 * Binds a text field to a Weft Text without React in the loop: the field is
 * uncontrolled, so a keystroke costs one splice into the Text (found from the
 * selection before the input, checked against the text around it) and never
 * a re-render or a `toString()` of the whole note.
 *
 * The local selection is kept as stable cursors (`text.cursor`), each
 * attached to a character: a caret sticks to the character before it, the
 * one it just typed, so when someone else types at the same spot their text
 * goes around ours and each person's run stays whole. An edit from elsewhere
 * (another tab, browser, or undo) is applied to the field as a splice and the
 * selection is put back from those cursors. While an IME composition runs,
 * edits from elsewhere wait until it ends.
 */
export class TextBinding {
  /** What the field shows: always the Text's content, except while edits from elsewhere wait. */
  private shown: string
  private selection: CursorSelection | null = null
  private lastRange = { start: -1, end: -1 }
  private before: { start: number; end: number } | null = null
  private applyingLocal = false
  private composing = false
  private pending = false
  private readonly off: (() => void)[] = []

  constructor(
    private readonly field: TextField,
    private readonly doc: Doc,
    private readonly text: WeftText,
    private readonly options: TextBindingOptions = {},
  ) {
    this.shown = text.toString()
    field.value = this.shown
    const on = <K extends keyof HTMLElementEventMap>(target: EventTarget, type: K, fn: (e: HTMLElementEventMap[K]) => void): void => {
      target.addEventListener(type, fn as EventListener)
      this.off.push(() => target.removeEventListener(type, fn as EventListener))
    }
    on(field, 'beforeinput', () => {
      this.before = { start: field.selectionStart ?? 0, end: field.selectionEnd ?? 0 }
    })
    on(field, 'input', () => this.onInput())
    on(field, 'compositionstart', () => {
      this.composing = true
    })
    on(field, 'compositionend', () => {
      this.composing = false
      if (this.pending) this.pull()
    })
    const track = (): void => this.trackSelection()
    for (const type of ['select', 'focus', 'keyup', 'mouseup'] as const) on(field, type, track)
    on(field.ownerDocument, 'selectionchange', () => {
      if (field.ownerDocument.activeElement === field) this.trackSelection()
    })
    this.off.push(
      doc.on('change', (e) => {
        if (!this.applyingLocal && e.containers.has(text)) this.pull()
      }),
    )
  }

  /** The local selection as stable cursors (null until the field was focused or edited). */
  get cursors(): CursorSelection | null {
    return this.selection
  }

  /** Shows the Text's content now (after a load that may not have announced itself). */
  refresh(): void {
    this.pull()
  }

  destroy(): void {
    for (const f of this.off.splice(0)) f()
  }

  private onInput(): void {
    const field = this.field
    const value = field.value
    const caret = field.selectionEnd ?? value.length
    const splice = this.localSplice(value, caret)
    this.before = null
    if (splice.deleted > 0 || splice.inserted !== '') {
      let { index, deleted } = splice
      if (this.pending) {
        // Edits from elsewhere wait during a composition: place ours in the Text's current content.
        const current = this.text.toString()
        const end = mapCaret(index + deleted, this.shown, current)
        index = mapCaret(index, this.shown, current)
        deleted = Math.max(0, end - index)
      }
      this.applyingLocal = true
      try {
        this.doc.transact(() => {
          if (deleted > 0) this.text.delete(index, deleted)
          if (splice.inserted !== '') this.text.insert(index, splice.inserted)
        })
      } finally {
        this.applyingLocal = false
      }
      this.options.onSplice?.(splice.index, splice.deleted, splice.inserted)
    }
    this.shown = value
    if (this.pending && !this.composing) this.pull()
    this.trackSelection(true)
  }

  /**
   * The one splice the input made. The selection before it and the caret
   * after it say where (O(1)); comparing the text around it confirms that
   * (a memcmp, not a character loop). Anything else (drag and drop, a spell
   * checker's replacement elsewhere) falls back to a diff.
   */
  private localSplice(value: string, caret: number): { index: number; deleted: number; inserted: string } {
    const shown = this.shown
    const before = this.before
    if (before) {
      const index = Math.min(before.start, caret)
      const oldEnd = shown.length - (value.length - caret)
      if (oldEnd >= index && oldEnd <= shown.length && value.slice(0, index) === shown.slice(0, index) && value.slice(caret) === shown.slice(oldEnd)) {
        return { index, deleted: oldEnd - index, inserted: value.slice(index, caret) }
      }
    }
    return diffText(shown, value, caret)
  }

  /** Applies the Text's content to the field as one splice, putting the selection back from its cursors. */
  private pull(): void {
    if (this.composing) {
      this.pending = true
      return
    }
    this.pending = false
    const next = this.text.toString()
    const prev = this.shown
    if (next === prev) return
    const field = this.field
    const { index, deleted, inserted } = diffText(prev, next)
    const scrollTop = field.scrollTop
    field.setRangeText(inserted, index, index + deleted, 'preserve')
    this.shown = next
    this.options.onSplice?.(index, deleted, inserted)
    const sel = this.selection
    if (sel) {
      const start = this.text.cursorIndex(sel.start)
      const end = this.text.cursorIndex(sel.end)
      if (start >= 0 && end >= start && (field.selectionStart !== start || field.selectionEnd !== end)) {
        field.setSelectionRange(start, end, field.selectionDirection ?? 'none')
      }
      this.lastRange = { start: field.selectionStart ?? 0, end: field.selectionEnd ?? 0 }
    }
    field.scrollTop = scrollTop
  }

  /** Re-reads the field's selection; new cursors only when it moved (or the text under it changed). */
  private trackSelection(textChanged = false): void {
    if (this.pending) return // indices are the field's, not yet the Text's
    const field = this.field
    const start = field.selectionStart ?? 0
    const end = field.selectionEnd ?? start
    if (!textChanged && start === this.lastRange.start && end === this.lastRange.end) return
    this.lastRange = { start, end }
    const len = this.text.length
    const s = Math.min(start, len)
    const e = Math.min(end, len)
    // A caret sticks to the character before it (the one just typed); a range to the characters it covers.
    this.selection =
      s === e
        ? { start: this.text.cursor(s, 'before'), end: this.text.cursor(s, 'before') }
        : { start: this.text.cursor(s, 'after'), end: this.text.cursor(e, 'before') }
    this.options.onSelection?.(this.selection)
  }
}
