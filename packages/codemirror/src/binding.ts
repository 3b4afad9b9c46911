import { Annotation, type ChangeSet, type Extension, Facet, Transaction } from '@codemirror/state'
import { type EditorView, type KeyBinding, ViewPlugin, type ViewUpdate } from '@codemirror/view'
import { type ChangeEvent, type Doc, type TextCursor, UndoManager, type WeftText } from '@weft/crdt-core'
import { applyToText, changeSetOf, findMove, lengthBefore } from './changes.js'

export interface WeftCodemirrorOptions {
  /** Undo/redo of this editor's own changes through a Weft `UndoManager` (default true). */
  undo?: boolean
  /** Passed to the `UndoManager` (ms within which edits form one undo step; default 500). */
  captureTimeout?: number
}

/** The binding of one editor, reachable from its view through {@link weftBinding}. */
export interface WeftCodemirrorBinding {
  readonly doc: Doc
  readonly text: WeftText
  /** Undoes this editor's last own change (others' edits are never undone). */
  undo(): boolean
  redo(): boolean
  readonly canUndo: boolean
  readonly canRedo: boolean
  /** The main selection as stable Weft cursors, to publish in presence. */
  selectionCursors(): { anchor: TextCursor; head: TextCursor }
  /** Weft's index of an editor position (they differ only while a composition holds remote changes back). */
  toWeft(pos: number): number
  /** The editor position of a Weft index. */
  fromWeft(index: number): number
}

/** Marks the editor transactions that carry Weft changes from elsewhere, so they are not sent back. */
const fromWeft = Annotation.define<true>()

/**
 * One editor bound to one Weft `Text`.
 *
 * Local edits: each editor transaction that changes the document becomes
 * one Weft transaction (origin: this binding), position for position.
 * Remote edits (other replicas, undo): the change event's text delta becomes
 * one editor transaction, so nothing outside the change is touched, and the
 * selection maps through it: a caret stays before text inserted at it (so
 * after the characters it followed) and collapses where deleted text was.
 *
 * During IME composition remote changes wait (rewriting the text under an
 * IME breaks it): they are kept as a change set over the editor's document,
 * local edits are mapped through them on their way to Weft (CodeMirror's
 * change-set mapping, the same operational transform `@codemirror/collab`
 * uses), and they are applied when the composition ends.
 */
class WeftSync implements WeftCodemirrorBinding {
  private readonly undoManager: UndoManager | null
  private readonly off: () => void
  /** Changes Weft has that the editor does not yet show (only while composing), over the editor's document. */
  private pending: ChangeSet | null = null
  private composing = false
  /** Origin of writing the editor's initial content into an empty text: not an edit to undo. */
  private readonly setup = { weftCodemirror: 'setup' }
  private destroyed = false

  constructor(
    private readonly view: EditorView,
    readonly doc: Doc,
    readonly text: WeftText,
    options: WeftCodemirrorOptions,
  ) {
    this.undoManager =
      options.undo === false
        ? null
        : new UndoManager(doc, {
            scope: [text],
            trackedOrigins: new Set([this]),
            ...(options.captureTimeout !== undefined && { captureTimeout: options.captureTimeout }),
          })
    const content = view.state.doc.toString()
    if (text.length === 0 && content.length > 0) doc.transact(() => text.insert(0, content), this.setup)
    else if (text.toString() !== content) {
      // A view cannot be updated while it is being built: show the text right after.
      queueMicrotask(() => this.resync())
    }
    this.off = doc.on('change', (event) => this.remote(event))
  }

  get canUndo(): boolean {
    return this.undoManager?.canUndo ?? false
  }
  get canRedo(): boolean {
    return this.undoManager?.canRedo ?? false
  }

  undo(): boolean {
    this.undoManager?.stopCapturing()
    return this.undoManager?.undo() ?? false
  }

  redo(): boolean {
    return this.undoManager?.redo() ?? false
  }

  toWeft(pos: number): number {
    return this.pending ? this.pending.mapPos(pos, 1) : pos
  }

  fromWeft(index: number): number {
    return this.pending ? this.pending.invertedDesc.mapPos(index, -1) : index
  }

  selectionCursors(): { anchor: TextCursor; head: TextCursor } {
    const { anchor, head } = this.view.state.selection.main
    return { anchor: this.cursorAt(anchor), head: this.cursorAt(head) }
  }

  /** The editor changed: send its own changes to Weft, mapped past any remote changes held back. */
  update(update: ViewUpdate): void {
    for (const tr of update.transactions) {
      if (!tr.docChanged || tr.annotation(fromWeft)) continue
      // Only moved a stretch (move line up/down, a drag): one Weft move, which a concurrent move of
      // the same lines cannot duplicate ([MOVE-1]).
      const move = this.pending ? null : findMove(tr.changes, tr.startState.doc, tr.state.doc, tr.startState.selection.main.head)
      if (move !== null) {
        this.doc.transact(() => this.text.move(move.from, move.len, move.to), this)
        continue
      }
      const local = this.pending ? tr.changes.map(this.pending) : tr.changes
      if (this.pending) this.pending = this.pending.map(tr.changes, true)
      this.doc.transact(() => applyToText(this.text, local), this)
    }
  }

  compositionStart(): void {
    this.composing = true
  }

  compositionEnd(): void {
    this.composing = false
    // After CodeMirror has finished with the composition's own input.
    setTimeout(() => this.flush(), 0)
  }

  destroy(): void {
    this.destroyed = true
    this.off()
    this.undoManager?.destroy()
  }

  private remote(event: ChangeEvent): void {
    if (event.origin === this || event.origin === this.setup || this.destroyed) return
    const delta = event.textDelta(this.text)
    if (delta === null) return
    const before = lengthBefore(delta, this.text.length)
    const expected = this.pending ? this.pending.newLength : this.view.state.doc.length
    if (before !== expected) {
      // Cannot happen while every change reaches us; if one did not, show the text as it is.
      this.pending = null
      this.resync()
      return
    }
    const changes = changeSetOf(delta, before)
    if (changes.empty) return // marks only
    this.pending = this.pending ? this.pending.compose(changes) : changes
    if (!this.composing) this.flush()
  }

  /** Shows the remote changes held back (all of them, when not composing). */
  private flush(): void {
    const changes = this.pending
    if (changes === null || this.composing || this.destroyed) return
    this.pending = null
    this.view.dispatch({
      changes,
      annotations: [fromWeft.of(true), Transaction.addToHistory.of(false)],
    })
  }

  /** Replaces the editor's document by the text (only where they differ), e.g. at start. */
  private resync(): void {
    if (this.destroyed) return
    const now = this.view.state.doc.toString()
    const want = this.text.toString()
    if (now === want) return
    let start = 0
    while (start < now.length && start < want.length && now[start] === want[start]) start++
    let end = 0
    while (end < now.length - start && end < want.length - start && now[now.length - 1 - end] === want[want.length - 1 - end]) end++
    this.view.dispatch({
      changes: { from: start, to: now.length - end, insert: want.slice(start, want.length - end) },
      annotations: [fromWeft.of(true), Transaction.addToHistory.of(false)],
    })
  }

  /** A caret sticks to the character before it (the one just typed): others' typing at the same place never lands between. */
  private cursorAt(pos: number): TextCursor {
    return this.text.cursor(this.toWeft(pos), 'before')
  }
}

interface Config {
  readonly doc: Doc
  readonly text: WeftText
  readonly options: WeftCodemirrorOptions
}

/** Which doc and text the editor is bound to (the first binding wins: one per editor). */
const weftConfig = Facet.define<Config, Config | undefined>({ combine: (values) => values[0] })

const weftPlugin = ViewPlugin.fromClass(
  class {
    readonly sync: WeftSync | undefined
    constructor(view: EditorView) {
      const config = view.state.facet(weftConfig)
      this.sync = config && new WeftSync(view, config.doc, config.text, config.options)
    }
    update(update: ViewUpdate): void {
      this.sync?.update(update)
    }
    destroy(): void {
      this.sync?.destroy()
    }
  },
  {
    eventHandlers: {
      compositionstart() {
        this.sync?.compositionStart()
      },
      compositionend() {
        this.sync?.compositionEnd()
      },
    },
  },
)

/** The binding of `view`, if it has one. */
export function weftBinding(view: EditorView): WeftCodemirrorBinding | undefined {
  return view.plugin(weftPlugin)?.sync
}

/** CodeMirror command: undo this editor's own last change. */
export const weftUndo = (view: EditorView): boolean => weftBinding(view)?.undo() ?? false
/** CodeMirror command: redo this editor's last undone change. */
export const weftRedo = (view: EditorView): boolean => weftBinding(view)?.redo() ?? false
/** Mod-z undo, Mod-y and Mod-Shift-z redo, through Weft (use instead of `history()`'s keymap). */
export const weftUndoKeymap: readonly KeyBinding[] = [
  { key: 'Mod-z', run: weftUndo, preventDefault: true },
  { key: 'Mod-y', run: weftRedo, preventDefault: true },
  { key: 'Mod-Shift-z', run: weftRedo, preventDefault: true },
]

/**
 * Binds the editor to a Weft `Text`. Create the editor state with the
 * text's content (`doc: text.toString()`); an editor created over an empty
 * text writes its content into it instead.
 *
 * @example
 * const view = new EditorView({
 *   parent,
 *   state: EditorState.create({ doc: body.toString(), extensions: [weftCodemirror(doc, body), keymap.of(weftUndoKeymap)] }),
 * })
 */
export function weftCodemirror(doc: Doc, text: WeftText, options: WeftCodemirrorOptions = {}): Extension {
  return [weftConfig.of({ doc, text, options }), weftPlugin]
}
