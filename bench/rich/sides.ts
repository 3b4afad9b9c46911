/**
 * The three sides bench:rich measures, on one jsdom and one document: Weft's ProseMirror binding,
 * y-prosemirror, and a bare editor (ProseMirror's own view update, the floor every binding pays).
 * Shared by the timed run (run.ts) and the instruction counts (instructions.ts).
 */
import { JSDOM } from 'jsdom'

const dom = new JSDOM('<!doctype html><html><body></body></html>')
const g = globalThis as Record<string, unknown>
for (const k of [
  'window',
  'document',
  'navigator',
  'Node',
  'HTMLElement',
  'Element',
  'Text',
  'DOMParser',
  'MutationObserver',
  'getSelection',
  'Event',
  'KeyboardEvent',
]) {
  if (g[k] === undefined) g[k] = (dom.window as unknown as Record<string, unknown>)[k]
}
g['requestAnimationFrame'] = (f: () => void) => setTimeout(f, 0)

for (const pkg of ['@weft/crdt-core', '@weft/prosemirror']) {
  if (!import.meta.resolve(pkg).includes('/dist/')) {
    console.error(`bench:rich measures the built ${pkg}, but it resolves to ${import.meta.resolve(pkg)}.
Run it as \`pnpm --filter @weft/bench run bench:rich\` (or with TSX_TSCONFIG_PATH=rich/tsconfig.json).`)
    process.exit(2)
  }
}
const { Doc } = await import('@weft/crdt-core')
const { weftPlugin } = await import('@weft/prosemirror')
const Y = await import('yjs')
const { ySyncPlugin, prosemirrorToYXmlFragment } = await import('y-prosemirror')
const { schema } = await import('prosemirror-schema-basic')
const { EditorState, TextSelection } = await import('prosemirror-state')
const { EditorView } = await import('prosemirror-view')
export type View = InstanceType<typeof EditorView>
type PMNode = import('prosemirror-model').Node

/** Deterministic words, bold/italic/links every few words, a heading every 20 paragraphs: ~100 KB of text. */
function richDoc(targetChars: number): PMNode {
  let seed = 42
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
  const words = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'weft', 'sync', 'offline', 'peritext', 'mark', 'bold', 'link']
  const blocks: PMNode[] = []
  let chars = 0
  while (chars < targetChars) {
    const inline: PMNode[] = []
    for (let w = 0; w < 16; w++) {
      const word = `${words[Math.floor(rnd() * words.length)]!} `
      const r = rnd()
      const marks =
        r < 0.08
          ? [schema.marks.strong.create()]
          : r < 0.14
            ? [schema.marks.em.create()]
            : r < 0.17
              ? [schema.marks.link.create({ href: `https://example.com/${w}`, title: null })]
              : []
      inline.push(schema.text(word, marks))
      chars += word.length
    }
    blocks.push(blocks.length % 20 === 0 ? schema.node('heading', { level: 2 }, inline) : schema.node('paragraph', null, inline))
    chars += 1
  }
  return schema.node('doc', null, blocks)
}

function mount(plugins: import('prosemirror-state').Plugin[], doc?: PMNode) {
  const el = document.body.appendChild(document.createElement('div'))
  return new EditorView(el, { state: EditorState.create({ schema, ...(doc ? { doc } : {}), plugins }) })
}

export const initial = richDoc(100_000)
export const blockCount = initial.childCount
/** Remote typists in the typing rounds (each side gets this many replicas that type). */
export const TYPISTS = 10

// ---------------------------------------------------------------- Weft
function weftSetup() {
  const src = new Doc({ replicaId: 1 })
  const seedView = mount([weftPlugin(src, src.getText('body'))], initial)
  seedView.destroy()
  const state = src.encodeState()
  const local = Doc.load(state, { replicaId: 2 })
  const view = mount([weftPlugin(local, local.getText('body'))])
  const typists = Array.from({ length: TYPISTS }, (_, i) => Doc.load(state, { replicaId: 10 + i }))
  return { state, local, view, typists }
}

/** A remote keystroke: a character typed into paragraph `block`, as the typist's bytes. */
function weftKeystroke(typist: InstanceType<typeof Doc>, block: number): Uint8Array {
  const text = typist.getText('body')
  const s = text.toString()
  let at = 0
  for (let b = 0; b < block; b++) at = s.indexOf('\n', at) + 1
  let out: Uint8Array | undefined
  const off = typist.on('delta', (d) => {
    out = d
  })
  text.insert(at + 3, 'x')
  off()
  return out!
}

/**
 * Puts the local caret where the local keystrokes go (near the top), the same in every editor: each
 * remote change maps or restores the selection, and what that costs depends on where it is (an
 * editor that opened with its caret at the end of the note would resolve the end every time).
 */
function caretWhereTyping(view: InstanceType<typeof EditorView>): void {
  view.dispatch(view.state.tr.setSelection(TextSelection.create(view.state.doc, localKeyPos(view))))
}

/** Where the local keystrokes go. */
export const localKeyPos = (view: InstanceType<typeof EditorView>): number => view.state.doc.child(5).nodeSize + 3

/** One side of the bench: an editor and what its remote typists send it. */
export interface Side {
  readonly view: InstanceType<typeof EditorView>
  /**
   * Typist `t`'s keystroke into block `block`, prepared outside the timing (typed on the typist's
   * own replica and encoded); the function returned delivers it to the editor.
   */
  keystroke(t: number, block: number): () => void
  /** Called once before the typist rounds. */
  startTypists(): void
  destroy(): void
}

export function weftSide(): Side & { size: number } {
  const { state, local, view, typists } = weftSetup()
  caretWhereTyping(view)
  return {
    view,
    size: state.length,
    keystroke(t, block) {
      const bytes = weftKeystroke(typists[t]!, block)
      return () => local.applyDelta(bytes)
    },
    // Local keystrokes are encoded for the wire, as a client would.
    startTypists: () => void local.on('delta', () => {}),
    destroy: () => view.destroy(),
  }
}

// ---------------------------------------------------------------- Yjs
export function yjsSide(): Side & { size: number; sizeV2: number } {
  const src = new Y.Doc()
  prosemirrorToYXmlFragment(initial, src.getXmlFragment('prosemirror'))
  const update = Y.encodeStateAsUpdate(src)
  const local = new Y.Doc()
  Y.applyUpdate(local, update)
  const view = mount([ySyncPlugin(local.getXmlFragment('prosemirror'))])
  caretWhereTyping(view)
  const typists = Array.from({ length: TYPISTS }, () => {
    const d = new Y.Doc()
    Y.applyUpdate(d, update)
    return d
  })
  const keystroke = (typist: InstanceType<typeof Y.Doc>, block: number): Uint8Array => {
    let out: Uint8Array | undefined
    const h = (u: Uint8Array) => {
      out = u
    }
    typist.on('update', h)
    const para = typist.getXmlFragment('prosemirror').get(block) as InstanceType<typeof Y.XmlElement>
    const first = para.get(0) as InstanceType<typeof Y.XmlText>
    first.insert(3, 'x')
    typist.off('update', h)
    return out!
  }
  return {
    view,
    size: update.length,
    sizeV2: Y.encodeStateAsUpdateV2(src).length,
    keystroke(t, block) {
      const bytes = keystroke(typists[t]!, block)
      return () => Y.applyUpdate(local, bytes)
    },
    startTypists: () => void local.on('update', () => {}),
    destroy: () => view.destroy(),
  }
}

// ---------------------------------------------------------------- ProseMirror alone (the floor)
export function bareSide(): Side {
  const view = mount([], initial)
  caretWhereTyping(view)
  /** Where a remote keystroke into paragraph `block` lands, as the bindings would put it (3 characters in). */
  const posIn = (block: number) => {
    let pos = 0
    for (let b = 0; b < block; b++) pos += view.state.doc.child(b).nodeSize
    return pos + 1 + 3
  }
  return {
    view,
    // The same editor change, built outside the timing: only the view's update is measured.
    keystroke(_t, block) {
      const tr = view.state.tr.insertText('x', posIn(block))
      return () => view.dispatch(tr)
    },
    startTypists() {},
    destroy: () => view.destroy(),
  }
}
