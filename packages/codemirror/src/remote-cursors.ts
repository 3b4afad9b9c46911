import { type Extension, type Range, StateEffect } from '@codemirror/state'
import { Decoration, type DecorationSet, EditorView, ViewPlugin, type ViewUpdate, WidgetType } from '@codemirror/view'
import type { TextCursor } from '@weft/crdt-core'
import { weftBinding } from './binding.js'

/** Someone else's caret and selection, as stable cursors (from their presence). */
export interface RemoteCursor {
  readonly id: string
  readonly name: string
  /** A CSS colour. */
  readonly color: string
  /** The caret. */
  readonly head: TextCursor
  /** The other end of their selection; absent or equal to `head`: a caret only. */
  readonly anchor?: TextCursor
}

/**
 * Where the others' cursors come from: presence, usually. Kept this small so
 * the binding needs no client: adapt `handle.presence` (or anything else).
 */
export interface RemoteCursorSource {
  current(): readonly RemoteCursor[]
  /** Calls `listener` when the cursors change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void
}

const cursorsChanged = StateEffect.define<null>()

class CaretWidget extends WidgetType {
  constructor(
    private readonly name: string,
    private readonly color: string,
  ) {
    super()
  }

  override eq(other: CaretWidget): boolean {
    return other.name === this.name && other.color === this.color
  }

  toDOM(): HTMLElement {
    const caret = document.createElement('span')
    caret.className = 'cm-weft-caret'
    caret.style.borderLeftColor = this.color
    caret.setAttribute('aria-hidden', 'true')
    caret.dataset.caretOf = this.name
    const label = document.createElement('span')
    label.className = 'cm-weft-caret-name'
    label.style.backgroundColor = this.color
    label.textContent = this.name
    caret.append(label)
    return caret
  }

  override ignoreEvent(): boolean {
    return true
  }
}

/** The decorations for `cursors` in `view`: positions from the bound text's stable cursors. */
function decorate(view: EditorView, cursors: readonly RemoteCursor[]): DecorationSet {
  const binding = weftBinding(view)
  if (!binding) return Decoration.none
  const length = view.state.doc.length
  const at = (c: TextCursor): number | undefined => {
    const index = binding.text.cursorIndex(c)
    // A cursor on a character this replica has not received yet: not drawn until it arrives.
    return index < 0 ? undefined : Math.min(length, binding.fromWeft(index))
  }
  const ranges: Range<Decoration>[] = []
  for (const c of cursors) {
    const head = at(c.head)
    if (head === undefined) continue
    const anchor = c.anchor ? (at(c.anchor) ?? head) : head
    if (anchor !== head) {
      const style = `background-color: color-mix(in srgb, ${c.color} 25%, transparent)`
      ranges.push(Decoration.mark({ class: 'cm-weft-selection', attributes: { style } }).range(Math.min(anchor, head), Math.max(anchor, head)))
    }
    ranges.push(Decoration.widget({ widget: new CaretWidget(c.name, c.color), side: 1 }).range(head))
  }
  return Decoration.set(ranges, true)
}

const theme = EditorView.baseTheme({
  '.cm-weft-caret': { position: 'relative', borderLeft: '2px solid', marginLeft: '-1px', marginRight: '-1px', pointerEvents: 'none' },
  '.cm-weft-caret-name': {
    position: 'absolute',
    bottom: '100%',
    left: '-2px',
    fontSize: '11px',
    lineHeight: '1.3',
    padding: '0 3px',
    color: 'white',
    whiteSpace: 'nowrap',
    borderRadius: '3px 3px 3px 0',
  },
})

/**
 * Draws others' carets (with their names) and selections in an editor bound
 * by `weftCodemirror`, following the text as it changes. Put it after the
 * binding in the extensions.
 *
 * @example
 * extensions: [weftCodemirror(doc, body), weftRemoteCursors(cursorsFromPresence(handle))]
 */
export function weftRemoteCursors(source: RemoteCursorSource): Extension {
  const plugin = ViewPlugin.fromClass(
    class {
      decorations: DecorationSet
      private readonly off: () => void
      constructor(view: EditorView) {
        this.decorations = decorate(view, source.current())
        // Dispatched, so the decorations are recomputed in an update like any other.
        this.off = source.subscribe(() => view.dispatch({ effects: cursorsChanged.of(null) }))
      }
      update(update: ViewUpdate): void {
        if (update.docChanged || update.transactions.some((tr) => tr.effects.some((e) => e.is(cursorsChanged)))) {
          this.decorations = decorate(update.view, source.current())
        }
      }
      destroy(): void {
        this.off()
      }
    },
    { decorations: (p) => p.decorations },
  )
  return [plugin, theme]
}
