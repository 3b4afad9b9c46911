import type { TextCursor, WeftText } from '@weft/crdt-core'

/** Someone else's caret: where (a stable cursor from their presence) and how to label it. */
export interface RemoteCaret {
  readonly id: string
  readonly name: string
  readonly color: string
  readonly cursor: TextCursor
}

/** How long a caret's name stays up after the caret moves (then only the coloured bar remains). */
const LABEL_MS = 2500

/**
 * Draws others' carets over a textarea. A hidden mirror of the textarea's
 * text (same font, padding and width, so it wraps the same) is kept in step
 * by splices into one Text node, never re-rendered whole, so a keystroke
 * relays out like the textarea's own; each caret's index comes from its
 * stable cursor when it is drawn (once per frame), and its position from a
 * collapsed Range in the mirror. The carets sit in their own layer, so
 * moving one never relays out the text. A cursor whose character has not
 * arrived yet (presence can outrun the text) is hidden until it has.
 */
export class CaretLayer {
  private readonly node: Text
  private readonly range: Range
  private carets: readonly RemoteCaret[] = []
  private readonly drawn = new Map<string, { el: HTMLElement; label: HTMLElement; at: string }>()
  private frame = 0
  private readonly offScroll: () => void
  private readonly resize: ResizeObserver

  constructor(
    private readonly field: HTMLTextAreaElement,
    /** Holds the mirror and the carets; moved with the textarea's scroll. */
    private readonly under: HTMLElement,
    private readonly mirror: HTMLElement,
    private readonly text: WeftText,
  ) {
    const doc = field.ownerDocument
    this.node = doc.createTextNode(field.value)
    // The zero-width space keeps the line of a trailing newline.
    mirror.replaceChildren(this.node, doc.createTextNode('\u200b'))
    this.range = doc.createRange()
    const onScroll = (): void => {
      under.style.transform = `translateY(${-field.scrollTop}px)`
    }
    field.addEventListener('scroll', onScroll)
    this.offScroll = () => field.removeEventListener('scroll', onScroll)
    this.resize = new ResizeObserver(() => this.schedule())
    this.resize.observe(field)
  }

  /** The textarea's text changed by this splice (the binding reports every one). */
  splice(index: number, deleted: number, inserted: string): void {
    this.node.replaceData(index, deleted, inserted)
    if (this.carets.length > 0) this.schedule()
  }

  setCarets(carets: readonly RemoteCaret[]): void {
    this.carets = carets
    this.schedule()
  }

  destroy(): void {
    cancelAnimationFrame(this.frame)
    this.offScroll()
    this.resize.disconnect()
    for (const d of this.drawn.values()) d.el.remove()
    this.drawn.clear()
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.draw())
  }

  private draw(): void {
    this.frame = 0
    const width = `${this.field.clientWidth}px`
    if (this.mirror.style.width !== width) this.mirror.style.width = width
    const base = this.under.getBoundingClientRect()
    const live = new Set<string>()
    for (const c of this.carets) {
      const index = this.text.cursorIndex(c.cursor)
      if (index < 0 || index > this.node.length) continue
      live.add(c.id)
      this.range.setStart(this.node, index)
      this.range.setEnd(this.node, index)
      const rects = this.range.getClientRects()
      const r = rects[rects.length - 1] ?? this.range.getBoundingClientRect()
      const d = this.drawn.get(c.id) ?? this.create(c)
      d.el.style.borderColor = c.color
      d.label.style.background = c.color
      d.label.textContent = c.name
      d.el.dataset.caretOf = c.name
      d.el.dataset.caretAt = String(index)
      d.el.style.transform = `translate(${r.left - base.left - 1}px, ${r.top - base.top}px)`
      d.el.style.height = `${r.height}px`
      const at = `${index}:${Math.round(r.left)}:${Math.round(r.top)}`
      if (d.at !== at) {
        d.at = at
        d.label.animate([{ opacity: 1 }, { opacity: 1, offset: 0.8 }, { opacity: 0 }], { duration: LABEL_MS, fill: 'forwards' })
      }
    }
    for (const [id, d] of this.drawn) {
      if (live.has(id)) continue
      d.el.remove()
      this.drawn.delete(id)
    }
  }

  private create(c: RemoteCaret): { el: HTMLElement; label: HTMLElement; at: string } {
    const doc = this.under.ownerDocument
    const el = doc.createElement('span')
    el.className = 'remote-caret'
    const label = doc.createElement('span')
    label.className = 'remote-caret-name'
    el.append(label)
    this.under.append(el)
    const d = { el, label, at: '' }
    this.drawn.set(c.id, d)
    return d
  }
}
