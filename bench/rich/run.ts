/**
 * bench:rich — Weft's ProseMirror binding against y-prosemirror, in one
 * process, on one machine, in jsdom (so both pay the same DOM):
 *
 *   remote-apply   a 100 KB formatted document (paragraphs, headings, bold,
 *                  italic, links) open in an editor; time from a remote
 *                  keystroke's bytes arriving to the editor showing it
 *                  (Weft: doc.applyDelta + binding; Yjs: Y.applyUpdate + ySyncPlugin)
 *   typists        10 remote typists each type one character per round
 *                  into the same document: time from each keystroke's bytes
 *                  to the editor showing it (issue 22's "keystroke-to-render
 *                  latency with 10 remote typists")
 *   local key      meanwhile, time of one local keystroke (editor
 *                  transaction to rendered and encoded for the wire)
 *   size           the formatted document's encoded state (Weft state vs
 *                  Y.encodeStateAsUpdate, v1 and v2)
 *
 * Reported as p50/p99 and the Weft / Yjs ratio, beside ProseMirror's own
 * cost of the same editor transaction with no binding at all (the floor
 * every binding pays: the view's update in jsdom), so the binding's share
 * shows too. A warm-up pass, then WEFT_RICH_PASSES passes (default 5) on
 * fresh editors, each running the three sides one after another in a
 * rotating order; each figure is its median over the passes (one slow
 * moment of a shared machine moves one pass, not the result), and the
 * report gives the range of the ratio across them. WEFT_RICH_ROUNDS sets rounds (10 times as many
 * lone remote changes); the report goes to
 * results/rich.md unless --no-write.
 *
 * Weft is measured as an app gets it, from the packages' built `dist` (as Yjs and y-prosemirror
 * are): `pnpm bench:rich` points tsx at rich/tsconfig.json, which has no `paths` to the sources.
 * Run from the sources, the binding's share of a local keystroke was ~15 % higher: tsx's transform
 * wraps every named closure in a `__name` call, which the shipped build does not have.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, loadavg } from 'node:os'
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

/**
 * jsdom's `MutationObserver` adds the target to its node list on every `observe()` and never empties
 * that list on `disconnect()`, so each disconnect walks every node ever observed. ProseMirror's view
 * disconnects and observes again around each DOM write, so in jsdom each update cost ~7 ns more than
 * the one before (20 µs more after 3,000 updates, a quarter of the process's time after 24,000), the
 * same on every side: an added floor that no browser has (browsers keep one registration per node).
 * Emptying the list on disconnect, when no node holds this observer's registration any more, leaves
 * what observers see unchanged. A jsdom without that list fails here rather than measuring the leak.
 */
function forgetObservedNodesOnDisconnect(window: InstanceType<typeof JSDOM>['window']): void {
  const { implForWrapper } = createRequire(import.meta.url)('jsdom/lib/jsdom/living/generated/utils.js') as {
    implForWrapper(wrapper: object): { _nodeList?: unknown[] }
  }
  const observer = implForWrapper(new window.MutationObserver(() => {}))
  if (!Array.isArray(observer._nodeList)) {
    throw new Error("bench:rich: this jsdom's MutationObserver has no _nodeList; check whether its disconnect() still leaks, then update or remove this shim")
  }
  const proto = Object.getPrototypeOf(observer) as { disconnect(this: { _nodeList: unknown[] }): void }
  const disconnect = proto.disconnect
  proto.disconnect = function (this: { _nodeList: unknown[] }) {
    disconnect.call(this)
    this._nodeList = []
  }
}
forgetObservedNodesOnDisconnect(dom.window)

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
type PMNode = import('prosemirror-model').Node

const ROUNDS = Number(process.env['WEFT_RICH_ROUNDS'] ?? 300)
/**
 * Lone remote changes per pass: as many as the typist rounds deliver keystrokes, so that a p99 is
 * the 1 % tail and not the few slowest samples (with 300, one garbage collection on either side
 * moved the p99 ratio between 0.06x and 2.18x from pass to pass).
 */
const REMOTE_ROUNDS = ROUNDS * 10
const TYPISTS = 10
const PASSES = Number(process.env['WEFT_RICH_PASSES'] ?? 5)

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

function stats(xs: number[]): { p50: number; p99: number } {
  const s = xs.slice().sort((a, b) => a - b)
  return { p50: s[Math.floor(s.length * 0.5)]!, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! }
}

function mount(plugins: import('prosemirror-state').Plugin[], doc?: PMNode) {
  const el = document.body.appendChild(document.createElement('div'))
  return new EditorView(el, { state: EditorState.create({ schema, ...(doc ? { doc } : {}), plugins }) })
}

const initial = richDoc(100_000)
const blockCount = initial.childCount

// ---------------------------------------------------------------- Weft
/** A remote typist: its replica, and where each paragraph of its text starts (its own keystrokes move them). */
interface WeftTypist {
  readonly doc: InstanceType<typeof Doc>
  readonly starts: Int32Array
}

function weftSetup() {
  const src = new Doc({ replicaId: 1 })
  const seedView = mount([weftPlugin(src, src.getText('body'))], initial)
  seedView.destroy()
  const state = src.encodeState()
  const local = Doc.load(state, { replicaId: 2 })
  const view = mount([weftPlugin(local, local.getText('body'))])
  const typists = Array.from({ length: TYPISTS }, (_, i): WeftTypist => {
    const doc = Doc.load(state, { replicaId: 10 + i })
    const s = doc.getText('body').toString()
    const starts = [0]
    for (let at = s.indexOf('\n'); at >= 0; at = s.indexOf('\n', at + 1)) starts.push(at + 1)
    return { doc, starts: Int32Array.from(starts) }
  })
  return { state, local, view, typists }
}

/**
 * A remote keystroke: a character typed into paragraph `block`, as the typist's bytes. The typist
 * finds the paragraph in its kept starts, as the Yjs typist finds it in its tree: reading its whole
 * text back for each keystroke (100 KB, a string built and scanned) evicted the caches just before
 * the timed section, and cost Weft's timing about 10 µs that the other sides never paid.
 */
function weftKeystroke(typist: WeftTypist, block: number): Uint8Array {
  let out: Uint8Array | undefined
  const off = typist.doc.on('delta', (d) => {
    out = d
  })
  typist.doc.getText('body').insert(typist.starts[block]! + 3, 'x')
  off()
  for (let b = block + 1; b < typist.starts.length; b++) typist.starts[b]! += 1
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
const localKeyPos = (view: InstanceType<typeof EditorView>): number => view.state.doc.child(5).nodeSize + 3

/** One side of the bench: an editor and what its remote typists send it. */
interface Side {
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

function weftSide(): Side & { size: number } {
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
function yjsSide(): Side & { size: number; sizeV2: number } {
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
function bareSide(): Side {
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

/** How long `apply` takes, in ms. */
function timed(apply: () => void): number {
  const t0 = performance.now()
  apply()
  return performance.now() - t0
}

/** One local keystroke where the caret is (near the top), in ms. */
function localKey(view: InstanceType<typeof EditorView>): number {
  const pos = localKeyPos(view)
  return timed(() => view.dispatch(view.state.tr.insertText('k', pos)))
}

type Result = { remote: { p50: number; p99: number }; typed: { p50: number; p99: number }; keys: { p50: number; p99: number } }

/**
 * One pass: each side on fresh editors, one after another (in a real app one binding runs alone,
 * with the CPU caches to itself), starting with side `first` so that no side always runs first or
 * last in a pass. Each side's samples give its percentiles.
 */
function pass(first: number): { w: Result & { size: number }; y: Result & { size: number; sizeV2: number }; bare: Result } {
  const w = weftSide()
  const y = yjsSide()
  const bare = bareSide()
  const sides: Side[] = [w, y, bare]
  const results: Result[] = []
  for (let n = 0; n < sides.length; n++) {
    const k = (first + n) % sides.length
    const side = sides[k]!
    const remote: number[] = []
    const typed: number[] = []
    const keys: number[] = []
    for (let i = 0; i < REMOTE_ROUNDS; i++) remote.push(timed(side.keystroke(0, (i * 7) % blockCount)))
    side.startTypists()
    for (let i = 0; i < ROUNDS; i++) {
      // Every typist's keystroke reaches the editor (as a server would fan out), then a local one.
      for (let t = 0; t < TYPISTS; t++) typed.push(timed(side.keystroke(t, (i * 13 + t * 17) % blockCount)))
      keys.push(localKey(side.view))
    }
    results[k] = { remote: stats(remote), typed: stats(typed), keys: stats(keys) }
  }
  for (const side of sides) side.destroy()
  return { w: { ...results[0]!, size: w.size }, y: { ...results[1]!, size: y.size, sizeV2: y.sizeV2 }, bare: results[2]! }
}

/** Per statistic, the median over passes (each pass is a fresh set of editors). */
function medianOf<T extends Result>(results: T[]): T {
  const med = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const pick = (k: 'remote' | 'typed' | 'keys') => ({ p50: med(results.map((r) => r[k].p50)), p99: med(results.map((r) => r[k].p99)) })
  return { ...results[0]!, remote: pick('remote'), typed: pick('typed'), keys: pick('keys') }
}

const textChars = initial.textContent.length
console.log(`rich document: ${blockCount} blocks, ${textChars} characters; ${REMOTE_ROUNDS} lone remote changes, ${ROUNDS} rounds of ${TYPISTS} remote typists`)
const loadBefore = loadavg()
  .map((n) => n.toFixed(2))
  .join(', ')
// A first pass warms the JIT; the next PASSES are reported, each statistic as its median over them.
pass(0)
const passes = Array.from({ length: PASSES }, (_, i) => pass(i % 3))
const w = medianOf(passes.map((p) => p.w))
const y = medianOf(passes.map((p) => p.y))
const bare = medianOf(passes.map((p) => p.bare))
/** The Weft / Yjs ratio of one statistic in every pass, lowest to highest: how far one run can move it. */
const spread = (get: (r: Result) => number) => {
  const rs = passes.map((p) => get(p.w) / get(p.y)).sort((a, b) => a - b)
  return `${rs[0]!.toFixed(2)}–${rs[rs.length - 1]!.toFixed(2)}x`
}
const loadAfter = loadavg()
  .map((n) => n.toFixed(2))
  .join(', ')
const fmt = (x: number) => `${x.toFixed(3)} ms`
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`
console.log(`remote change -> editor   p50  Weft ${fmt(w.remote.p50)}  y-prosemirror ${fmt(y.remote.p50)}  ratio ${ratio(w.remote.p50, y.remote.p50)}`)
console.log(`                          p99  Weft ${fmt(w.remote.p99)}  y-prosemirror ${fmt(y.remote.p99)}  ratio ${ratio(w.remote.p99, y.remote.p99)}`)
console.log(
  `typist -> editor (10)     p50  Weft ${fmt(w.typed.p50)}  y-prosemirror ${fmt(y.typed.p50)}  ratio ${ratio(w.typed.p50, y.typed.p50)}  (passes: ${spread((r) => r.typed.p50)})`,
)
console.log(`                          p99  Weft ${fmt(w.typed.p99)}  y-prosemirror ${fmt(y.typed.p99)}  ratio ${ratio(w.typed.p99, y.typed.p99)}`)
console.log(`local key, 10 typists     p50  Weft ${fmt(w.keys.p50)}  y-prosemirror ${fmt(y.keys.p50)}  ratio ${ratio(w.keys.p50, y.keys.p50)}`)
console.log(`                          p99  Weft ${fmt(w.keys.p99)}  y-prosemirror ${fmt(y.keys.p99)}  ratio ${ratio(w.keys.p99, y.keys.p99)}`)
console.log(
  `encoded state             Weft ${w.size} B  Yjs v1 ${y.size} B (v2 ${y.sizeV2} B)  ratio ${ratio(w.size, y.size)} (vs v2 ${ratio(w.size, y.sizeV2)})`,
)
console.log(
  `ProseMirror alone         remote p50 ${fmt(bare.remote.p50)} p99 ${fmt(bare.remote.p99)}  keystroke p50 ${fmt(bare.keys.p50)} p99 ${fmt(bare.keys.p99)}`,
)

/** What the binding adds to ProseMirror's own update (never below zero). */
const over = (x: number, floor: number) => Math.max(0, x - floor)
const rows = [
  ['remote change -> editor, p50', w.remote.p50, y.remote.p50, bare.remote.p50, spread((r) => r.remote.p50)],
  ['remote change -> editor, p99', w.remote.p99, y.remote.p99, bare.remote.p99, spread((r) => r.remote.p99)],
  ['remote keystroke -> editor, 10 typists, p50', w.typed.p50, y.typed.p50, bare.typed.p50, spread((r) => r.typed.p50)],
  ['remote keystroke -> editor, 10 typists, p99', w.typed.p99, y.typed.p99, bare.typed.p99, spread((r) => r.typed.p99)],
  ['local keystroke while 10 typists type, p50', w.keys.p50, y.keys.p50, bare.keys.p50, spread((r) => r.keys.p50)],
  ['local keystroke while 10 typists type, p99', w.keys.p99, y.keys.p99, bare.keys.p99, spread((r) => r.keys.p99)],
] as const
if (!process.argv.includes('--no-write')) {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  const table = rows
    .map(([name, wv, yv, fv, range]) => {
      const share = over(yv, fv) > 0 ? ratio(over(wv, fv), over(yv, fv)) : 'n/a'
      return `| ${name} | ${wv.toFixed(3)} | ${yv.toFixed(3)} | ${ratio(wv, yv)} | ${range} | ${fv.toFixed(3)} | ${share} |`
    })
    .join('\n')
  const report = `# Rich text: @weft/prosemirror against y-prosemirror

Written by \`bench/rich/run.ts\` (\`pnpm --filter @weft/bench run bench:rich\`), ${new Date().toISOString().slice(0, 10)}, commit ${commit}.
One process, jsdom (both bindings pay the same DOM), Weft from its packages' built \`dist\` as y-prosemirror from npm, ${REMOTE_ROUNDS} lone remote changes and ${ROUNDS} rounds of ${TYPISTS} remote typists per pass, a ${(textChars / 1000).toFixed(0)} KB
document of ${blockCount} blocks (paragraphs, headings every 20, bold, italic, links). Load before: ${loadBefore}; after: ${loadAfter};
cores this process could use: ${availableParallelism()} (\`taskset -c 0\` pins it to one, which steadies the figures on a shared machine).
${PASSES} passes on fresh editors after a warm-up pass, each running Weft, y-prosemirror and a bare editor one after another (rotating which goes first);
each time is the median over the passes, and "ratio per pass" is the lowest and highest Weft / Yjs ratio of one pass.
Times in ms. "ProseMirror alone" is the same editor transaction dispatched to an editor with no binding: the view's
own update, which any binding pays. "Binding's share" compares what each binding adds above it.

| measure | Weft | y-prosemirror | Weft / Yjs | ratio per pass | ProseMirror alone | binding's share, Weft / Yjs |
|---|---|---|---|---|---|---|
${table}

Encoded state of the document: Weft ${w.size} B, Yjs ${y.size} B (v1), ${y.sizeV2} B (v2): ${ratio(w.size, y.size)} of v1, ${ratio(w.size, y.sizeV2)} of v2.
`
  writeFileSync(new URL('../results/rich.md', import.meta.url), report)
  console.log('wrote results/rich.md')
}
