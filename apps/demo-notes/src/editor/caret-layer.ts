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
 * text (same font, padding and width, so it wraps the same) holds one block
 * per line ('\n'-separated paragraph), kept in step by splices: a keystroke
 * rewrites one small block, so neither the splice nor the relayout grows
 * with the note (one Text node for the whole note cost a copy and a full
 * relayout of it per key). Each caret's index comes from its
 * stable cursor when it is drawn (once per frame), and its position from a
 * collapsed Range in the mirror. The carets sit in their own layer, so
 * moving one never relays out the text. A cursor whose character has not
 * arrived yet (presence can outrun the text) is hidden until it has.
 */
export class CaretLayer {
  /** The paragraphs of the text (without their '\n') and the mirror's block for each. */
  private paras: string[]
  private rows: HTMLElement[]
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
    this.paras = field.value.split('\n')
    this.rows = this.paras.map((p) => this.row(p))
    mirror.replaceChildren(...this.rows)
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
    const [p0, o0] = this.locate(index)
    const [p1, o1] = deleted === 0 ? [p0, o0] : this.locate(index + deleted)
    const parts = (this.paras[p0]!.slice(0, o0) + inserted + this.paras[p1]!.slice(o1)).split('\n')
    if (parts.length === 1 && p0 === p1) {
      this.paras[p0] = parts[0]!
      ;(this.rows[p0]!.firstChild as Text).data = parts[0]! || '\u200b'
    } else {
      const rows = parts.map((p) => this.row(p))
      const next = this.rows[p1 + 1] ?? null
      for (let k = p0; k <= p1; k++) this.rows[k]!.remove()
      for (const r of rows) this.mirror.insertBefore(r, next)
      this.paras.splice(p0, p1 - p0 + 1, ...parts)
      this.rows.splice(p0, p1 - p0 + 1, ...rows)
    }
    if (this.carets.length > 0) this.schedule()
  }

  /** The paragraph holding `index` and the offset in it. */
  private locate(index: number): [number, number] {
    let pos = 0
    const last = this.paras.length - 1
    for (let k = 0; k < last; k++) {
      const len = this.paras[k]!.length
      if (index <= pos + len) return [k, index - pos]
      pos += len + 1
    }
    return [last, Math.min(index - pos, this.paras[last]!.length)]
  }

  /** A mirror block for one paragraph; an empty one holds a zero-width space, so it keeps its line. */
  private row(text: string): HTMLElement {
    const el = this.mirror.ownerDocument.createElement('div')
    el.append(this.mirror.ownerDocument.createTextNode(text || '\u200b'))
    return el
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
      if (index < 0) continue
      const [k, offset] = this.locate(index)
      const node = this.rows[k]!.firstChild as Text
      const at = this.paras[k] === '' ? 0 : offset
      live.add(c.id)
      this.range.setStart(node, at)
      this.range.setEnd(node, at)
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
      const where = `${index}:${Math.round(r.left)}:${Math.round(r.top)}`
      if (d.at !== where) {
        d.at = where
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
