import { UndoManager, type Doc, type TextCursor, type TextDelta, type WeftText } from '@weft/crdt-core'
import { Fragment, type Node as PMNode, Slice } from 'prosemirror-model'
import { type Command, type EditorState, Plugin, PluginKey, TextSelection, type Transaction } from 'prosemirror-state'
import { ReplaceStep } from 'prosemirror-transform'
import type { EditorView } from 'prosemirror-view'
import { editStart, replacedRange, type ReplacedRange } from './edit-start.js'
import {
  type Attrs,
  EMBED_KEY,
  PARENTS_KEY,
  blocksFromSpans,
  docFromSpans,
  flatLength,
  flatRuns,
  flatToPos,
  groupSize,
  hasParents,
  inlineNodes,
  marksOf,
  posToFlat,
  topNodes,
} from './flat.js'
import { findBlockMove } from './block-move.js'
import { BlockStarts } from './block-starts.js'
import { groupType, unmappableNode } from './blocks.js'
import { BlockTextStep } from './block-text-step.js'
import { changedBlocks, inlineEdit } from './remote-render.js'

export interface WeftPluginOptions {
  /** Undo/redo of this editor's own changes through a Weft `UndoManager` (default true). */
  undo?: boolean
  /** Passed to the `UndoManager` (ms within which edits form one step; default 500). */
  captureTimeout?: number
  /**
   * Hears a local edit the binding refused (default: `console.error`): one that would make
   * structure the text cannot hold (see {@link WeftBindingError}). The editor stays as it was.
   */
  onError?: (error: WeftBindingError) => void
}

/**
 * An editor change the binding cannot store, so it did not happen ([PM-6]): `code`
 * `unsupported-node` for an inline node with content, a block holding no textblock, or a block
 * holding blocks inside a layout group. Written as it was, it would lose that node's content in
 * the text, for every replica. `node` names its type.
 */
export class WeftBindingError extends Error {
  override readonly name = 'WeftBindingError'
  constructor(
    readonly code: 'unsupported-node',
    readonly node: string,
  ) {
    super(
      `@weft/prosemirror cannot store a "${node}" node: the text holds textblocks, leaf nodes and the blocks that hold them, not an inline node with content, a block with no textblock inside, or blocks nested in a layout group. The change was not applied; keep such nodes out of the schema (see the README, "How the document is stored").`,
    )
  }
}

/** The binding's state, reachable from an editor state through `weftBinding(state)`. */
export interface WeftBinding {
  readonly doc: Doc
  readonly text: WeftText
  /** Undoes this editor's last own change (remote edits are never undone). */
  undo(): boolean
  redo(): boolean
  /** Whether `undo()` / `redo()` have a step of this editor's to take (for enabling buttons). */
  readonly canUndo: boolean
  readonly canRedo: boolean
  /** The selection as stable Weft cursors (for presence). */
  selectionCursors(): { anchor: TextCursor; head: TextCursor } | null
}

/**
 * The plugin's state: the binding, and where the last content-changing
 * transaction started its edit ([PM-1]). `changes` counts those
 * transactions, so an update can tell whether exactly one came since the
 * state it was given (only then does `editFrom` point into that document).
 */
export interface WeftPluginState {
  readonly binding: WeftBinding
  readonly changes: number
  readonly editFrom: number | null
  /** What the last content-changing transaction replaced, when it was one replace step. */
  readonly replaced: ReplacedRange | null
}

const key = new PluginKey<WeftPluginState>('weft')
const REMOTE = 'weft-remote'
/** Meta of a transaction that only splits long groups of blocks: no edit of the text. */
const REGROUP = 'weft-regroup'

/** The binding installed in `state`, if any. */
export function weftBinding(state: EditorState): WeftBinding | undefined {
  return key.getState(state)?.binding
}

/** ProseMirror command: undo this editor's own last change. */
export const weftUndo: Command = (state) => weftBinding(state)?.undo() ?? false
/** ProseMirror command: redo this editor's last undone change. */
export const weftRedo: Command = (state) => weftBinding(state)?.redo() ?? false

/**
 * Binds an editor to a Weft `Text` (see flat.ts for how blocks and marks
 * map). Local edits become one Weft transaction each (only the changed
 * window is diffed); remote changes become one editor transaction that
 * replaces only what differs, and the selection is put back from stable
 * Weft cursors, so it stays by the characters it was at. A remote change
 * arriving during IME composition waits until the composition ends.
 *
 * @example
 * const view = new EditorView(el, { state: EditorState.create({ schema, plugins: [weftPlugin(doc, doc.getText('body')), keymap({ 'Mod-z': weftUndo, 'Mod-y': weftRedo })] }) })
 */
export function weftPlugin(doc: Doc, text: WeftText, options: WeftPluginOptions = {}): Plugin<WeftPluginState> {
  const sync = new Sync(doc, text, options)
  return new Plugin<WeftPluginState>({
    key,
    state: {
      init: () => ({ binding: sync, changes: 0, editFrom: null, replaced: null }),
      apply: (tr, value) => {
        if (!tr.docChanged) return value
        // A regroup after an edit keeps the edit's start (in the document before both) as the one change.
        if (tr.getMeta(REGROUP) === true) return { ...value, replaced: null }
        // A remote change is never sent back: where it started and what it replaced are not needed.
        if (tr.getMeta(REMOTE) === true) return { binding: sync, changes: value.changes + 1, editFrom: null, replaced: null }
        return { binding: sync, changes: value.changes + 1, editFrom: editStart(tr), replaced: replacedRange(tr) }
      },
    },
    // [PM-6] An edit that would make structure the text cannot hold does not happen: written as it is,
    // the text would keep '\ufffc' for a blockquote's paragraphs, for every replica.
    filterTransaction: (tr) => {
      if (!tr.docChanged || tr.getMeta(REMOTE) === true) return true
      const bad = unmappableChange(tr)
      if (bad === null) return true
      const error = new WeftBindingError('unsupported-node', bad.type.name)
      if (options.onError) options.onError(error)
      else console.error(error)
      return false
    },
    appendTransaction: (trs, _old, state) => (trs.some((tr) => tr.docChanged) ? splitLongGroups(state) : null),
    view: (view) => {
      sync.attach(view)
      return {
        update: (v, prev) => {
          const now = key.getState(v.state)
          const then = key.getState(prev)
          // Several transactions in one update: their starts point into different documents.
          const one = now !== undefined && then !== undefined && now.changes === then.changes + 1
          sync.update(v, prev.doc, one ? (now.editFrom ?? 'unknown') : 'unknown', one ? now.replaced : null)
        },
        destroy: () => sync.destroy(),
      }
    },
    props: {
      handleDOMEvents: {
        compositionstart: () => {
          sync.beforeComposition()
          return false
        },
        compositionend: () => {
          sync.afterComposition()
          return false
        },
      },
    },
  })
}

class Sync implements WeftBinding {
  private view: EditorView | null = null
  private readonly undoManager: UndoManager | null
  private unsubscribe: (() => void) | null = null
  private cursors: { anchor: TextCursor; head: TextCursor } | null = null
  /** The document whose selection the cursors describe (saved from it, or placed in it by a render). */
  private cursorsDoc: PMNode | null = null
  private pending = false
  /**
   * While a composition runs, remote changes wait (rewriting the DOM under
   * an IME breaks it), so the editor's flat indices and Weft's drift apart.
   * This maps them: from `start`, one Weft cursor per flat character of the
   * editor, kept up to date as local edits go to Weft.
   */
  private composition: { start: number; ids: TextCursor[] } | null = null
  private applying = false
  /**
   * Origin of an empty text taking the editor's initial content: not the
   * user's edit, so undo must not take it back.
   */
  private readonly setup = { weftProsemirror: 'setup' }
  private timer: ReturnType<typeof setTimeout> | undefined
  /**
   * Where the blocks of the editor's last document start, and so its flat length (see
   * `BlockStarts`): a keystroke derives the next from it, so neither is walked again.
   */
  private blocks: BlockStarts | null = null
  /**
   * Whether the text may hold `parents` marks (nested blocks), as of the last whole render or
   * local edit that wrote one: then a structural edit is shown back as the text builds it.
   */
  private textNested = false
  /**
   * The document a render dispatched that the view did not take at once: a host that captures
   * dispatches (TipTap's `keyboardShortcut` runs a key handler inside `captureTransaction`) applies
   * the render's steps later, in its own transaction and without the render's metadata. That
   * document, when it arrives, is the text's own state and is not sent back as a local edit.
   */
  private renderedLater: PMNode | null = null

  constructor(
    readonly doc: Doc,
    readonly text: WeftText,
    options: WeftPluginOptions,
  ) {
    this.undoManager =
      options.undo === false
        ? null
        : new UndoManager(doc, {
            scope: [text],
            trackedOrigins: new Set([this]),
            ...(options.captureTimeout !== undefined ? { captureTimeout: options.captureTimeout } : {}),
          })
  }

  attach(view: EditorView): void {
    this.view = view
    const schema = view.state.schema
    // The editor's caret as cursors before the first render, so that the render puts it back where
    // ProseMirror had it (the start) instead of mapping it past the whole replaced document.
    this.saveCursors()
    if (this.text.length > 0) this.render()
    else {
      // [PM-6] An editor opened on content the text cannot hold is refused before anything is written.
      const bad = unmappableNode(view.state.doc, 0, view.state.doc.content.size)
      if (bad !== null) throw new WeftBindingError('unsupported-node', bad.type.name)
      const runs = flatRuns(view.state.doc, 0, flatLength(view.state.doc), schema)
      // An empty editor (one empty paragraph) on an empty text writes nothing: see sendLocal for its '\n'.
      const empty = runs.length === 1 && runs[0]!.insert === '\n' && runs[0]!.attributes === undefined
      if (!empty) {
        // An empty text takes the editor's content (with its trailing '\n' per block).
        this.doc.transact(() => {
          this.text.insert(0, runs.map((r) => r.insert).join(''))
          applyMarkDiff(this.text, 0, runs)
        }, this.setup)
      }
    }
    this.unsubscribe = this.doc.on('change', (event) => {
      if (event.origin === this || event.origin === this.setup || !event.containers.has(this.text)) return
      this.render(event.textDelta(this.text))
    })
    this.saveCursors()
  }

  destroy(): void {
    this.unsubscribe?.()
    this.undoManager?.destroy()
    clearTimeout(this.timer)
    this.view = null
  }

  undo(): boolean {
    this.undoManager?.stopCapturing()
    return this.undoManager?.undo() ?? false
  }

  redo(): boolean {
    return this.undoManager?.redo() ?? false
  }

  get canUndo(): boolean {
    return this.undoManager?.canUndo ?? false
  }

  get canRedo(): boolean {
    return this.undoManager?.canRedo ?? false
  }

  selectionCursors(): { anchor: TextCursor; head: TextCursor } | null {
    return this.cursors
  }

  /**
   * After every editor update: send local edits to Weft, then remember the selection as cursors.
   * `editFrom` is where in `prevDoc` the edit started, if one transaction made it.
   */
  update(view: EditorView, prevDoc: PMNode, editFrom: number | 'unknown', replaced: ReplacedRange | null = null): void {
    const docChanged = view.state.doc !== prevDoc
    const fromText = docChanged && this.renderedLater !== null && view.state.doc.eq(this.renderedLater)
    if (docChanged) this.renderedLater = null
    if (!this.applying && !fromText && docChanged && !view.state.doc.eq(prevDoc) && this.sendLocal(prevDoc, view.state.doc, editFrom, replaced)) {
      // [PM-7] A structural edit where blocks nest: the text holds the edit, but what it builds may
      // differ beyond the edit's window (a holder it repaired, see `nestBlocks`). Shown as built.
      this.saveCursors()
      this.render()
    }
    if (this.pending && !view.composing) this.render()
    // A remote change put the selection back from the saved cursors: they still hold.
    if (!this.applying || this.cursors === null) this.saveCursors()
  }

  beforeComposition(): void {
    const view = this.view
    if (view === null || this.pending) return
    // Every character of the block being composed in, and its '\n'.
    const starts = this.blockStarts(view.state.doc)
    const block = starts.blockOfFlat(posToFlat(view.state.doc, view.state.selection.head, starts))
    const start = starts.flatStart(block)
    const len = starts.flatStart(block + 1) - start
    const ids: TextCursor[] = []
    for (let i = 0; i < len; i++) ids.push(this.text.cursor(start + i, 'after'))
    this.composition = { start, ids }
  }

  /** Weft index of an editor flat index (the same, unless a composition holds remote changes back). */
  private toWeft(flat: number): number {
    const c = this.composition
    if (c === null || !this.pending) return flat
    const i = Math.max(0, Math.min(c.ids.length - 1, flat - c.start))
    return this.text.cursorIndex(c.ids[i]!) + (flat - c.start - i)
  }

  afterComposition(): void {
    // ProseMirror finishes a composition after the event; look again once it has.
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      if (this.pending && this.view !== null && !this.view.composing) this.render()
    }, 30)
  }

  /** The document's block starts: the kept ones if they are its, else found by a walk. */
  private blockStarts(doc: PMNode): BlockStarts {
    if (this.blocks?.doc !== doc) this.blocks = BlockStarts.of(doc)
    return this.blocks
  }

  private saveCursors(): void {
    const view = this.view
    if (view === null) return
    const { anchor, head } = view.state.selection
    const state = view.state.doc
    const len = this.text.length
    const starts = this.blockStarts(state)
    const at = (pos: number) => this.text.cursor(Math.max(0, Math.min(len, this.toWeft(posToFlat(state, pos, starts)))), 'before')
    const a = at(anchor)
    // A caret is one cursor (render places it once).
    this.cursors = { anchor: a, head: head === anchor ? a : at(head) }
    this.cursorsDoc = state
  }

  /**
   * The editor changed: write the changed window to Weft as one transaction. True when it was a
   * structural edit where blocks nest, which the editor must then show as the text builds it.
   */
  private sendLocal(before: PMNode, after: PMNode, editFrom: number | 'unknown', replaced: ReplacedRange | null): boolean {
    let start: number
    let endA: number
    let endB: number
    const inOneBlock = replaced !== null && insideOneTextblock(before, replaced.from, replaced.toA) && insideOneTextblock(after, replaced.from, replaced.toB)
    const startsA = this.blockStarts(before)
    // The next document's block starts: after an edit inside one block, derived below (only the blocks
    // after it moved, by what the document's size did); after any other, found by one walk.
    const walked = inOneBlock && after.childCount === before.childCount ? null : BlockStarts.of(after)
    const nested = !inOneBlock && (this.textNested || startsA.nested || walked?.nested === true)
    if (walked !== null && !inOneBlock && this.sendBlockMove(startsA, walked, editFrom)) return nested
    if (inOneBlock) {
      // One replace step inside one block says what changed (and where it started, [PM-1]): no diff
      // of the documents. Steps across blocks (Enter, joins) have positions between blocks that the
      // flat mapping cannot place, so they take the diff.
      ;({ from: start, toA: endA, toB: endB } = replaced)
    } else {
      const diffStart = before.content.findDiffStart(after.content)
      if (diffStart === null) return false
      // [PM-1] The window starts where the edit did when that is earlier than where the documents
      // start to differ: an 's' typed just before another 's' goes before it, not after.
      start = editFrom !== 'unknown' && editFrom < diffStart ? Math.max(0, editFrom) : diffStart
      ;({ a: endA, b: endB } = before.content.findDiffEnd(after.content)!)
      const overlap = start - Math.min(endA, endB)
      if (overlap > 0) {
        endA += overlap
        endB += overlap
      }
    }
    const schema = after.type.schema
    const from = posToFlat(before, start, startsA)
    const startsB = walked ?? startsA.resized(after, startsA.blockOfFlat(from), after.content.size - before.content.size)
    this.blocks = startsB
    // The changed windows end at the same distance from each document's end.
    const lenA = startsA.length
    const lenB = startsB.length
    const tailA = lenA - posToFlat(before, endA, startsA)
    const tailB = lenB - posToFlat(after, endB, startsB)
    let tail = Math.min(tailA, tailB)
    if (!inOneBlock && (startsA.nested || startsB.nested)) {
      // The block after the window may now be the first of a holder, or no longer: its `parents`
      // mark says so, and the documents' diff can end before it (a list item lifted out of its list).
      const next = startsB.blockOfFlat(lenB - tail)
      if (next < startsB.count) tail = Math.min(tail, lenB - startsB.flatStart(next + 1))
    }
    const toA = lenA - tail
    const toB = lenB - tail
    const wanted = flatRuns(after, from, toB, schema, startsB)
    if (!inOneBlock && hasParents(wanted)) this.textNested = true
    const newText = wanted.map((r) => r.insert).join('')
    const wFrom = this.toWeft(from)
    const wTo = Math.max(wFrom, this.toWeft(toA))
    // What the window holds in Weft now. Unless a composition holds remote changes back, the text is
    // the editor's document before this edit (its last '\n' perhaps missing, see below): read the
    // window from that document, not from the whole text (an O(note) string per key).
    const inStep = !this.pending && (this.text.length === lenA || this.text.length === lenA - 1)
    this.doc.transact(() => {
      const text = this.text
      const all = inStep ? null : text.toString()
      const lastNewline = inStep ? text.length === lenA : all!.endsWith('\n')
      if (!lastNewline) {
        // Every block ends in '\n', but an empty text (or one whose last '\n' a concurrent delete
        // took) shows its last block without one: the first edit to it writes that '\n'. Written
        // by whoever edits, not by every replica that opens the note, so opening it never adds
        // one '\n' per replica (concurrent inserts that would each make an empty paragraph).
        text.insert(text.length, '\n')
      }
      const oldText =
        all === null
          ? flatRuns(before, from, toA, schema, startsA)
              .map((r) => r.insert)
              .join('')
          : all.slice(wFrom, wTo)
      // Characters: one delete and one insert for what differs inside the window.
      let p = 0
      while (p < oldText.length && p < newText.length && oldText[p] === newText[p]) p++
      let s = 0
      while (s < oldText.length - p && s < newText.length - p && oldText[oldText.length - 1 - s] === newText[newText.length - 1 - s]) s++
      if (oldText.length - p - s > 0) text.delete(wFrom + p, oldText.length - p - s)
      if (newText.length - p - s > 0) text.insert(wFrom + p, newText.slice(p, newText.length - s))
      // Marks: set only what differs from what the text now has there.
      applyMarkDiff(text, wFrom, wanted)
      const c = this.composition
      if (c !== null && this.pending && from >= c.start && toA <= c.start + c.ids.length) {
        // The new characters' ids join the map, in place of the replaced ones.
        const added: TextCursor[] = []
        for (let k = p; k < newText.length - s; k++) added.push(text.cursor(wFrom + k, 'after'))
        c.ids.splice(from - c.start + p, toA - from - p - s, ...added)
      }
    }, this)
    return nested || this.textNested
  }

  /**
   * Whole blocks moved and nothing else changed: a Weft move, so that two people moving one
   * block at once leave it once ([MOVE-1]), where a delete and an insert would show it twice.
   */
  private sendBlockMove(starts: BlockStarts, startsB: BlockStarts, editFrom: number | 'unknown'): boolean {
    // A composition holding remote changes back, or a text missing its last '\n', takes the diff.
    const before = starts.doc
    if (this.pending || starts.count !== startsB.count) return false
    const startedAt = editFrom === 'unknown' || editFrom < 0 || editFrom > before.content.size ? -1 : starts.blockOfFlat(posToFlat(before, editFrom, starts))
    const move = findBlockMove(starts, startsB, (block) => block.content.size + 1, startedAt)
    if (move === null) return false
    if (this.text.length !== starts.length) return false
    const from = starts.flatStart(move.from)
    const to = starts.flatStart(move.to)
    this.blocks = startsB
    this.doc.transact(() => {
      this.text.move(from, starts.flatStart(move.from + move.count) - from, to)
      if (!starts.nested && !startsB.nested) return
      // Nested: the moved blocks and their new neighbours may hold other `parents` marks now (a list
      // item moved to the top is the first of its list); the text has the new order, so its marks
      // are set from the new document over the rotated blocks and the one after them.
      const lo = Math.min(move.from, move.to)
      const hi = Math.min(startsB.count, Math.max(move.from + move.count, move.to) + 1)
      const a = startsB.flatStart(lo)
      applyMarkDiff(this.text, a, flatRuns(startsB.doc, a, startsB.flatStart(hi), startsB.doc.type.schema, startsB))
    }, this)
    return true
  }

  /**
   * Weft changed from elsewhere (a peer, or undo): replace only what differs, keep the selection.
   * With the change's delta, only the blocks it touches are rebuilt from the text ([PM-3]);
   * without one (a composition held changes back, or the first render), the whole document is.
   */
  private render(delta: TextDelta | null = null): void {
    const view = this.view
    if (view === null) return
    if (view.composing) {
      this.pending = true
      return
    }
    this.pending = false
    this.composition = null
    // A caret the browser itself moved (arrow keys, Home) reaches ProseMirror on 'selectionchange',
    // a task that can come after this change: read it now, or putting the selection back from the
    // cursors saved before the move would undo it; only a focused editor's caret moves so. (The DOM
    // observer is internal to prosemirror-view, hence the guarded access.)
    if (view.hasFocus()) (view as unknown as { domObserver?: { flush?(): void } }).domObserver?.flush?.()
    const state = view.state
    const inline = delta !== null ? this.inlineChange(state, delta) : null
    const tr = inline?.tr ?? this.blockChange(state, delta)
    if (tr === null) return
    const sel = state.selection
    // Whether the selection after this change is where the cursors say (so the next change may map it).
    let placed = false
    if (inline !== null && this.cursorsDoc === state.doc && sel instanceof TextSelection && !insertsAt(tr, sel.anchor, sel.head)) {
      // One insert or delete inside a block, not at the selection's ends, moves the selection as
      // its cursors would, so it is mapped rather than found again (finding a cursor walks the
      // blocks). Text typed exactly at an end is placed by the cursor: whether it lands before or
      // after depends on the character the cursor sticks to, which may be deleted ([PM-4]).
      tr.setSelection(TextSelection.create(tr.doc, tr.mapping.map(sel.anchor, -1), tr.mapping.map(sel.head, -1)))
      placed = true
    } else if (this.cursors !== null) {
      const size = tr.doc.content.size
      const place = (c: TextCursor) => {
        const flat = this.text.cursorIndex(c)
        return flat < 0 ? null : Math.min(size, flatToPos(tr.doc, flat))
      }
      const anchor = place(this.cursors.anchor)
      const head = this.cursors.head === this.cursors.anchor ? anchor : place(this.cursors.head)
      if (anchor !== null && head !== null) {
        tr.setSelection(TextSelection.between(tr.doc.resolve(anchor), tr.doc.resolve(head)))
        placed = true
      }
    }
    tr.setMeta(REMOTE, true).setMeta('addToHistory', false)
    // Not placed: the selection is ProseMirror's mapping, which the cursors may not match (unless
    // the update after this dispatch saves them afresh).
    if (!placed) this.cursorsDoc = null
    this.applying = true
    try {
      view.dispatch(tr)
    } finally {
      this.applying = false
    }
    if (view.state.doc !== tr.doc) this.renderedLater = tr.doc
    if (placed && view.state.doc === tr.doc) this.cursorsDoc = tr.doc
    if (inline !== null && view.state.doc === tr.doc && this.blocks?.doc === state.doc) this.blocks = this.blocks.resized(tr.doc, inline.block, inline.by)
  }

  /**
   * A keystroke's worth of remote change (inside one block) as that one editor change, or null;
   * `block` is the block it changes and `by` how much longer its text gets.
   */
  private inlineChange(state: EditorState, delta: TextDelta): { tr: Transaction; block: number; by: number } | null {
    const blocks = this.blockStarts(state.doc)
    const edit = inlineEdit(blocks, delta, this.text.length, blocks.length)
    if (edit === null) return null
    // The step itself, not `tr.insert` / `tr.delete`: those fit an arbitrary slice into the document
    // and resolve its position by a walk over the blocks; text inside one textblock needs neither. A
    // step the document refuses goes the block way.
    let text: Slice = Slice.empty
    if (!('delete' in edit)) {
      const parent = edit.block
      const marks = marksOf(state.schema, edit.attrs)
      if (!parent.inlineContent || !marks.every((m) => parent.type.allowsMarkType(m.type))) return null
      text = new Slice(Fragment.from(inlineNodes(state.schema, edit.insert, edit.attrs)), 0, 0)
    }
    const tr = state.tr
    const step = new BlockTextStep(blocks, edit.index, edit.blockPos, edit.pos, 'delete' in edit ? edit.pos + edit.delete : edit.pos, text)
    if (tr.maybeStep(step).failed !== null) return null
    return { tr, block: edit.index, by: 'delete' in edit ? -edit.delete : edit.insert.length }
  }

  /** The blocks a remote change touches (all of them without a delta), rebuilt from the text: only what differs is replaced. */
  private blockChange(state: EditorState, delta: TextDelta | null): Transaction | null {
    const starts = this.blockStarts(state.doc)
    if (starts.count === 0) return null
    const window = (delta !== null ? changedBlocks(starts, delta, this.text.length, starts.length) : null) ?? {
      first: 0,
      last: starts.count - 1,
      flat: 0,
      length: this.text.length,
    }
    const spans = this.text.toDelta(window.flat, window.length)
    if (starts.nested || this.textNested || hasParents(spans)) {
      // Nested blocks: where a block goes depends on the blocks before it (see `nestBlocks`), so the
      // document is built whole (a keystroke inside a block still takes `inlineChange`).
      const all = window.flat === 0 && window.length === this.text.length ? spans : this.text.toDelta()
      this.textNested = hasParents(all)
      return replaceDifference(state, 0, state.doc.content.size, docFromSpans(state.schema, all).content)
    }
    // Nothing left after earlier blocks (the last ones were deleted): no block, not an empty one.
    const blocks = spans.length === 0 && window.flat > 0 ? [] : blocksFromSpans(state.schema, spans)
    // The top-level nodes holding the window's blocks (the blocks, or their groups), before and after.
    const { from, to, before, after } = starts.outerRange(window.first, window.last)
    return replaceDifference(state, from, to, Fragment.from(topNodes(state.schema, [...before, ...blocks, ...after])))
  }
}

/** A transaction replacing only what differs between [from, to) of the document and `content`, or null if nothing does. */
function replaceDifference(state: EditorState, from: number, to: number, content: Fragment): Transaction | null {
  const old = state.doc.content.cut(from, to)
  const next = state.doc.type.create(null, content)
  const start = old.findDiffStart(next.content)
  if (start === null) return null
  let { a: endA, b: endB } = old.findDiffEnd(next.content)!
  const overlap = start - Math.min(endA, endB)
  if (overlap > 0) {
    endA += overlap
    endB += overlap
  }
  return state.tr.replace(from + start, from + endA, next.slice(start, endB))
}

/**
 * A transaction that splits each group of more than twice its size in blocks (edits made it so) into
 * groups of its size, or null: a browser lays out a change by walking the changed group's blocks.
 */
function splitLongGroups(state: EditorState): Transaction | null {
  const type = groupType(state.schema)
  if (type === null) return null
  const size = groupSize(type)
  let tr: Transaction | null = null
  // From the last group, so that the positions of those before stay valid.
  let pos = state.doc.content.size
  for (let g = state.doc.childCount - 1; g >= 0; g--) {
    const group = state.doc.child(g)
    pos -= group.nodeSize
    if (group.childCount <= 2 * size) continue
    const blocks: PMNode[] = []
    group.forEach((block) => blocks.push(block))
    tr ??= state.tr
    tr.replaceWith(pos, pos + group.nodeSize, topNodes(state.schema, blocks))
  }
  return tr?.setMeta(REGROUP, true).setMeta('addToHistory', false) ?? null
}

/** A node the transaction's steps put in its document that the flat mapping cannot hold, or null. */
function unmappableChange(tr: Transaction): PMNode | null {
  const maps = tr.mapping.maps
  for (let i = 0; i < maps.length; i++) {
    const step = tr.steps[i]
    // Typing and deleting text (most transactions) put no node but text: nothing to look at.
    if (step instanceof ReplaceStep && onlyText(step.slice.content)) continue
    let bad: PMNode | null = null
    maps[i]!.forEach((_oldStart, _oldEnd, newStart, newEnd) => {
      if (bad !== null) return
      // Where the step's new content ended up after the steps that follow it.
      const rest = tr.mapping.slice(i + 1)
      bad = unmappableNode(tr.doc, rest.map(newStart, -1), rest.map(newEnd, 1))
    })
    if (bad !== null) return bad
  }
  return null
}

function onlyText(content: Fragment): boolean {
  for (let i = 0; i < content.childCount; i++) if (!content.child(i).isText) return false
  return true
}

/** Whether [from, to] lies in the text of one textblock of `doc`. */
function insideOneTextblock(doc: PMNode, from: number, to: number): boolean {
  if (from < 0 || to > doc.content.size) return false
  const $from = doc.resolve(from)
  return $from.parent.isTextblock && $from.sameParent(doc.resolve(to))
}

/** Formats [from, from + wanted length) so each character has exactly the wanted marks. */
function applyMarkDiff(text: WeftText, from: number, wanted: { insert: string; attributes?: Attrs }[]): void {
  const total = wanted.reduce((n, r) => n + r.insert.length, 0)
  if (total === 0) return
  // A few characters (a keystroke): their marks one by one, from the resolved (cached) marks;
  // `toDelta` would build the whole text's string first.
  const have = total <= 64 ? Array.from({ length: total }, (_, i) => ({ insert: ' ', attributes: text.marksAt(from + i) })) : text.toDelta(from, total)
  // Per character, wanted and current attribute sets (runs expanded lazily by index).
  const at = (runs: { insert: string; attributes?: Attrs }[]) => {
    const out: (Attrs | undefined)[] = []
    for (const r of runs) for (let i = 0; i < r.insert.length; i++) out.push(r.attributes)
    return out
  }
  const want = at(wanted)
  const cur = at(have)
  const keys = new Set<string>()
  for (const a of [...want, ...cur]) if (a !== undefined) for (const k of Object.keys(a)) keys.add(k)
  for (const k of [...keys].sort()) {
    let i = 0
    while (i < total) {
      const w = want[i]?.[k]
      if (JSON.stringify(w) === JSON.stringify(cur[i]?.[k])) {
        i++
        continue
      }
      let j = i + 1
      while (j < total && JSON.stringify(want[j]?.[k]) === JSON.stringify(w) && JSON.stringify(want[j]?.[k]) !== JSON.stringify(cur[j]?.[k])) j++
      // An embed's or a nested block's mark never grows: a character typed beside it does not take it.
      text.format(from + i, j - i, { [k]: w ?? null }, k === EMBED_KEY || k === PARENTS_KEY ? { expand: 'none' } : {})
      i = j
    }
  }
}

/** Whether the transaction inserts text exactly at one of `positions` (of the document before it). */
function insertsAt(tr: Transaction, ...positions: number[]): boolean {
  let hit = false
  for (const map of tr.mapping.maps) {
    map.forEach((oldStart, oldEnd) => {
      if (oldStart === oldEnd && positions.includes(oldStart)) hit = true
    })
  }
  return hit
}
