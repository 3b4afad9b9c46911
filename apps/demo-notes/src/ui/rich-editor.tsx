import type { Doc, TextCursor, WeftText } from '@weft/crdt-core'
import { weftBinding, weftPlugin, weftRedo, weftUndo } from '@weft/prosemirror'
import { baseKeymap, chainCommands } from 'prosemirror-commands'
import { keymap } from 'prosemirror-keymap'
import type { Node as PMNode } from 'prosemirror-model'
import { type Command, EditorState, Plugin } from 'prosemirror-state'
import { EditorView, type NodeView } from 'prosemirror-view'
import { type ReactNode, useEffect, useRef, useState } from 'react'
import { RichCaretLayer } from '../editor/rich-carets'
import { insertTypedText } from '../editor/typed-text'
import {
  blockIs,
  markActive,
  joinAcrossChunkBackward,
  joinAcrossChunkForward,
  moveBlock,
  plainTextSlice,
  schema,
  setLink,
  splitListItem,
  toggleBold,
  toggleBullet,
  toggleCheck,
  toggleHeading,
  toggleItalic,
} from '../editor/schema'
import type { CaretFeed } from './presence-feed'

/** What the editor tells the page: undo state for its buttons. */
export interface UndoFlags {
  readonly canUndo: boolean
  readonly canRedo: boolean
}

/** Undo and redo of this tab's own edits to the body (the toolbar's buttons call these). */
export interface RichEditorControls {
  undo(): void
  redo(): void
}

interface Props {
  doc: Doc
  text: WeftText
  /** False until the note has loaded from this device: the editor is made once it has. */
  ready: boolean
  /** Others' carets on this text: drawn as presence changes, without re-rendering this. */
  carets: CaretFeed
  /** Our caret moved: a stable cursor, for presence. */
  onCaret(caret: TextCursor): void
  onUndoFlags(flags: UndoFlags): void
  onControls(controls: RichEditorControls | null): void
}

/** Which toolbar buttons are on, from the editor's state. */
interface Active {
  strong: boolean
  em: boolean
  link: boolean
  heading: boolean
  bullet: boolean
  check: boolean
}

const NONE: Active = { strong: false, em: false, link: false, heading: false, bullet: false, check: false }

function activeOf(state: EditorState): Active {
  return {
    strong: markActive(state, 'strong'),
    em: markActive(state, 'em'),
    link: markActive(state, 'link'),
    heading: blockIs(state, schema.nodes.heading!, { level: 2 }),
    bullet: blockIs(state, schema.nodes.bullet!),
    check: blockIs(state, schema.nodes.check!),
  }
}

const sameCursor = (a: TextCursor | null, b: TextCursor): boolean => a !== null && a.replica === b.replica && a.counter === b.counter && a.assoc === b.assoc

/** A checklist item: a checkbox (not part of the text) before its editable text. */
function checkView(node: PMNode, view: EditorView, getPos: () => number | undefined): NodeView {
  const dom = document.createElement('li')
  dom.className = 'check'
  const box = document.createElement('input')
  box.type = 'checkbox'
  box.contentEditable = 'false'
  box.setAttribute('aria-label', 'Done')
  const content = document.createElement('span')
  content.className = 'check-text'
  dom.append(box, content)
  const show = (n: PMNode): void => {
    box.checked = n.attrs.checked === true
    dom.dataset.checked = String(box.checked)
  }
  show(node)
  box.addEventListener('mousedown', (e) => e.preventDefault()) // keep the text's selection and focus
  box.addEventListener('click', (e) => {
    e.preventDefault()
    const pos = getPos()
    if (pos === undefined) return
    const current = view.state.doc.nodeAt(pos)
    if (current === null) return
    view.dispatch(view.state.tr.setNodeMarkup(pos, undefined, { ...current.attrs, checked: current.attrs.checked !== true }))
  })
  return {
    dom,
    contentDOM: content,
    update: (n) => {
      if (n.type !== node.type) return false
      show(n)
      return true
    },
    stopEvent: (e) => e.target === box,
    ignoreMutation: (m) => m.target === box || m.target === dom,
  }
}

/**
 * The note body: a ProseMirror editor bound to the note's Weft Text by
 * @weft/prosemirror, with a small toolbar. As with the textarea before it,
 * keystrokes never go through React: the editor and the Text talk directly,
 * and React only re-renders the toolbar's on/off state.
 */
export function RichEditor({ doc, text, ready, carets, onCaret, onUndoFlags, onControls }: Props) {
  const host = useRef<HTMLDivElement>(null)
  const layerEl = useRef<HTMLDivElement>(null)
  const viewRef = useRef<EditorView | null>(null)
  const layer = useRef<RichCaretLayer | null>(null)
  const [active, setActive] = useState<Active>(NONE)
  // What the toolbar shows, read without React: an updater that returns the same state still
  // makes React render this component, every key.
  const shown = useRef<Active>(NONE)
  // The latest callbacks, read by the editor without remaking it on every render.
  const sinks = useRef({ onCaret, onUndoFlags, onControls })
  sinks.current = { onCaret, onUndoFlags, onControls }

  useEffect(() => {
    const el = host.current
    if (!el || !layerEl.current || !ready) return
    let published: TextCursor | null = null
    let flags: UndoFlags = { canUndo: false, canRedo: false }
    const publish = (view: EditorView): void => {
      const binding = weftBinding(view.state)
      if (!binding) return
      const next = { canUndo: binding.canUndo, canRedo: binding.canRedo }
      if (next.canUndo !== flags.canUndo || next.canRedo !== flags.canRedo) {
        flags = next
        sinks.current.onUndoFlags(next)
      }
      if (!view.hasFocus()) return // a caret is shown to others once this person is in the text
      const held = binding.selectionCursors()?.head
      if (!held) return
      // Others see the caret as a cursor on the character after it: typing at the caret keeps
      // that character next, so a keystroke changes nothing to publish (and others draw no extra
      // frame per key); only a move does. (The binding keeps the one before, for its own selection.)
      const at = text.cursorIndex(held)
      const head = at < 0 ? held : text.cursor(at, 'after')
      if (!sameCursor(published, head)) {
        published = head
        sinks.current.onCaret(head)
      }
    }
    const view: EditorView = new EditorView(
      { mount: el },
      {
        state: EditorState.create({
          schema,
          plugins: [
            weftPlugin(doc, text),
            keymap({
              'Mod-z': weftUndo,
              'Mod-y': weftRedo,
              'Mod-Shift-z': weftRedo,
              'Mod-b': toggleBold,
              'Mod-i': toggleItalic,
              'Alt-ArrowUp': moveBlock(-1),
              'Alt-ArrowDown': moveBlock(1),
              Enter: chainCommands(splitListItem, baseKeymap.Enter!),
              Backspace: joinAcrossChunkBackward,
              Delete: joinAcrossChunkForward,
            }),
            keymap(baseKeymap),
            // After the binding's own view update (which saves the selection as cursors).
            new Plugin({
              view: () => ({
                update: (v, prev) => {
                  publish(v)
                  if (v.state.doc !== prev.doc) layer.current?.changed() // by identity: an equality check walks every block per key
                  // A new object only when a button changes, so a keystroke re-renders nothing.
                  const next = activeOf(v.state)
                  if ((Object.keys(next) as (keyof Active)[]).some((k) => shown.current[k] !== next[k])) {
                    shown.current = next
                    setActive(next)
                  }
                },
              }),
            }),
          ],
        }),
        // The contenteditable element is the text box; it exists only once the note has loaded.
        attributes: { role: 'textbox', 'aria-label': 'Note body', 'aria-multiline': 'true' },
        nodeViews: { check: checkView },
        clipboardTextParser: (t) => plainTextSlice(t),
        handleKeyPress: insertTypedText,
        handleDOMEvents: {
          focus: (v) => {
            // Focus alone moves no selection, so no update: publish where the caret is.
            setTimeout(() => publish(v), 0)
            return false
          },
        },
      },
    )
    viewRef.current = view
    const caretLayer = new RichCaretLayer(view, layerEl.current, text)
    layer.current = caretLayer
    caretLayer.setCarets(carets.current())
    const offCarets = carets.subscribe(() => caretLayer.setCarets(carets.current()))
    shown.current = activeOf(view.state)
    setActive(shown.current)
    publish(view)
    sinks.current.onControls({
      undo: () => {
        weftUndo(view.state)
        view.focus()
      },
      redo: () => {
        weftRedo(view.state)
        view.focus()
      },
    })
    return () => {
      sinks.current.onControls(null)
      offCarets()
      layer.current?.destroy()
      layer.current = null
      view.destroy()
      viewRef.current = null
    }
  }, [doc, text, ready, carets])

  /** Runs a toolbar command on the editor, keeping the focus in the text. */
  const run = (command: Command) => () => {
    const view = viewRef.current
    if (!view) return
    command(view.state, view.dispatch)
    view.focus()
  }
  const link = (): void => {
    const view = viewRef.current
    if (!view) return
    if (view.state.selection.empty) return
    const href = active.link ? '' : window.prompt('Link to', 'https://')
    if (href === null) return
    run(setLink(href.trim()))()
  }

  const button = (label: string, on: boolean, onClick: () => void, text: ReactNode, title: string) => (
    <button
      type="button"
      className={`icon fmt${on ? ' on' : ''}`}
      aria-label={label}
      aria-pressed={on}
      title={title}
      disabled={!ready}
      // Keep the editor's selection: a click on the toolbar must not take the focus first.
      onMouseDown={(e) => e.preventDefault()}
      onClick={onClick}
    >
      {text}
    </button>
  )

  return (
    <div className="rich">
      <div className="rich-toolbar" role="toolbar" aria-label="Formatting">
        {button('Bold', active.strong, run(toggleBold), 'B', 'Bold (Ctrl+B)')}
        {button('Italic', active.em, run(toggleItalic), 'I', 'Italic (Ctrl+I)')}
        {button('Heading', active.heading, run(toggleHeading), 'H', 'Heading')}
        {button('Bullet list', active.bullet, run(toggleBullet), '•', 'Bullet list')}
        {button('Checklist', active.check, run(toggleCheck), '☑', 'Checklist')}
        {button('Link', active.link, link, <LinkIcon />, 'Link (select text first)')}
        {button('Move block up', false, run(moveBlock(-1)), '↑', 'Move block up (Alt+↑)')}
        {button('Move block down', false, run(moveBlock(1)), '↓', 'Move block down (Alt+↓)')}
      </div>
      <div className="collab">
        {/* ProseMirror makes this the editable text box (see `attributes`) once the note has loaded. */}
        <div ref={host} className="rich-body" spellCheck />
        <div className="rich-carets" ref={layerEl} aria-hidden="true" />
      </div>
    </div>
  )
}

/** Two chain links, drawn: an emoji would be an empty box where the system has no emoji font. */
function LinkIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" aria-hidden="true">
      <path d="M6.5 9.5l3-3" />
      <path d="M7 4.5l1-1a2.5 2.5 0 0 1 3.5 3.5l-1 1" />
      <path d="M9 11.5l-1 1a2.5 2.5 0 0 1-3.5-3.5l1-1" />
    </svg>
  )
}
