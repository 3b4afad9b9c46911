import type { TextCursor, WeftText } from '@weft/crdt-core'
import { flatToPos } from '@weft/prosemirror'
import type { EditorView } from 'prosemirror-view'

/** Someone else's caret: where (a stable cursor from their presence) and how to label it. */
export interface RemoteCaret {
  readonly id: string
  readonly name: string
  readonly color: string
  readonly cursor: TextCursor
}

/** How long a caret's name stays up after the caret moves (then it fades: only the coloured bar remains). */
const LABEL_MS = 2000

interface Drawn {
  el: HTMLElement
  label: HTMLElement
  /** Name and colour last written. */
  look: string
  /** Index and place last drawn at: the name shows again when they change. */
  at: string
  quiet: ReturnType<typeof setTimeout> | undefined
}

/**
 * Draws others' carets over a ProseMirror editor, in a layer of their own
 * that scrolls with the text. They are not decorations inside the editable
 * content: a widget there would take part in caret movement and in what a
 * screen reader or a copy reads, and a remote caret moving would redraw
 * the paragraph under the local caret. Each caret's index comes from its
 * stable cursor when drawn (once per frame), its position from
 * `coordsAtPos`. A cursor whose character has not arrived yet (presence can
 * outrun the text) is hidden until it has.
 */
export class RichCaretLayer {
  private carets: readonly RemoteCaret[] = []
  private readonly drawn = new Map<string, Drawn>()
  private frame = 0
  private readonly resize: ResizeObserver

  constructor(
    private readonly view: EditorView,
    /** Absolutely placed at the top left of the scrolled content. */
    private readonly layer: HTMLElement,
    private readonly text: WeftText,
  ) {
    this.resize = new ResizeObserver(() => this.schedule())
    this.resize.observe(view.dom)
  }

  setCarets(carets: readonly RemoteCaret[]): void {
    this.carets = carets
    this.schedule()
  }

  /** The editor's document changed: carets may have moved with it. */
  changed(): void {
    if (this.carets.length > 0) this.schedule()
  }

  destroy(): void {
    cancelAnimationFrame(this.frame)
    this.resize.disconnect()
    for (const d of this.drawn.values()) this.remove(d)
    this.drawn.clear()
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.draw())
  }

  private draw(): void {
    this.frame = 0
    const base = this.layer.getBoundingClientRect()
    const doc = this.view.state.doc
    const live = new Set<string>()
    for (const c of this.carets) {
      const index = this.text.cursorIndex(c.cursor)
      if (index < 0) continue
      let r: { left: number; top: number; bottom: number }
      try {
        r = this.view.coordsAtPos(Math.max(1, Math.min(doc.content.size - 1, flatToPos(doc, index))))
      } catch {
        continue // the editor is between documents (a remote change being applied); the next frame draws it
      }
      live.add(c.id)
      const d = this.drawn.get(c.id) ?? this.create(c)
      // Written only when they change: this runs each frame someone types, and
      // replacing the label's text node each time dirties layout for nothing.
      const look = `${c.name}\n${c.color}`
      if (d.look !== look) {
        d.look = look
        d.el.style.borderColor = c.color
        d.label.style.background = c.color
        d.label.textContent = c.name
        d.el.dataset.caretOf = c.name
      }
      d.el.dataset.caretAt = String(index)
      d.el.style.transform = `translate(${r.left - base.left - 1}px, ${r.top - base.top}px)`
      d.el.style.height = `${r.bottom - r.top}px`
      const where = `${index}:${Math.round(r.left)}:${Math.round(r.top)}`
      if (d.at !== where) {
        d.at = where
        // The name shows again, and fades (a CSS transition) once the caret has stayed put. A timer,
        // not an animation per move: while someone types, an animation restarted on every key keeps
        // this page drawing a frame at every vsync.
        d.el.classList.remove('quiet')
        clearTimeout(d.quiet)
        d.quiet = setTimeout(() => d.el.classList.add('quiet'), LABEL_MS)
      }
    }
    for (const [id, d] of this.drawn) {
      if (live.has(id)) continue
      this.remove(d)
      this.drawn.delete(id)
    }
  }

  private remove(d: Drawn): void {
    clearTimeout(d.quiet)
    d.el.remove()
  }

  private create(c: RemoteCaret): Drawn {
    const doc = this.layer.ownerDocument
    const el = doc.createElement('span')
    el.className = 'remote-caret'
    const label = doc.createElement('span')
    label.className = 'remote-caret-name'
    el.append(label)
    this.layer.append(el)
    const d: Drawn = { el, label, look: '', at: '', quiet: undefined }
    this.drawn.set(c.id, d)
    return d
  }
}
