import type { Doc, WeftText } from '@weft/crdt-core'

/** The doc that lists the notes. */
export const INDEX_DOC = 'notes:index'
/** The doc of one note's body. */
export const noteDocId = (id: string): string => `note:${id}`

export interface NoteSummary {
  readonly id: string
  readonly title: string
}

// Titles live in a map (id -> title); order in a list of ids. A reorder is a
// delete plus an insert, so two people moving one note at once can leave it
// twice in the list: readers keep the first occurrence.
// A title is a Text in that map, so two people typing in one title keep every
// keystroke. Notes made before that have a plain string (last writer wins):
// it is read as is, and becomes a Text holding it when the note is opened.
const titles = (doc: Doc) => doc.getMap('titles')

const isText = (v: unknown): v is WeftText => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'text'

/** A title as shown: the Text's content, or an older note's plain string. */
const titleString = (v: unknown): string => (isText(v) ? v.toString() : String(v ?? ''))
const order = (doc: Doc) => doc.getList('order')

/** The notes in display order. */
export function readNotes(doc: Doc): NoteSummary[] {
  const t = titles(doc)
  const seen = new Set<string>()
  const out: NoteSummary[] = []
  const add = (id: unknown): void => {
    if (typeof id !== 'string' || seen.has(id) || !t.has(id)) return
    seen.add(id)
    out.push({ id, title: titleString(t.get(id)) })
  }
  for (const id of order(doc).toArray()) add(id)
  for (const id of t.keys()) add(id) // never lost, even if its list entry was
  return out
}

export const sameNotes = (a: readonly NoteSummary[], b: readonly NoteSummary[]): boolean =>
  a.length === b.length && a.every((n, i) => n.id === b[i]?.id && n.title === b[i]?.title)

export function createNote(doc: Doc, id: string, title: string): void {
  doc.transact(() => {
    const text = titles(doc).setContainer(id, 'text')
    if (title !== '') text.insert(0, title)
    order(doc).insert(0, id)
  })
}

/**
 * The note's title as a Text to edit, made from an older note's plain
 * string the first time (undefined once the note is deleted). Two replicas
 * that convert one old title at the same time each make a Text; the map
 * keeps one of them, with the same text, so only edits typed into the other
 * before they met are lost, once per old note.
 */
export function titleText(doc: Doc, id: string): WeftText | undefined {
  const t = titles(doc)
  if (!t.has(id)) return undefined
  const v = t.get(id)
  if (isText(v)) return v
  let text: WeftText | undefined
  doc.transact(() => {
    text = t.setContainer(id, 'text')
    const old = String(v ?? '')
    if (old !== '') text.insert(0, old)
  })
  return text
}

/** Replaces the whole title (one edit; typing goes through `titleText`). */
export function renameNote(doc: Doc, id: string, title: string): void {
  const text = titleText(doc, id)
  if (!text) return
  doc.transact(() => {
    text.delete(0, text.length)
    text.insert(0, title)
  })
}

export function deleteNote(doc: Doc, id: string): void {
  doc.transact(() => {
    titles(doc).delete(id)
    removeAll(doc, id)
  })
}

/** Move a note `by` places (negative: up). */
export function moveNote(doc: Doc, id: string, by: number): void {
  const visible = readNotes(doc)
  const from = visible.findIndex((n) => n.id === id)
  const to = from + by
  const neighbour = visible[to]
  if (from < 0 || !neighbour) return
  doc.transact(() => {
    removeAll(doc, id)
    const raw = order(doc).toArray()
    const at = raw.indexOf(neighbour.id)
    order(doc).insert(by < 0 ? at : at + 1, id)
  })
}

function removeAll(doc: Doc, id: string): void {
  const list = order(doc)
  for (let i = list.length - 1; i >= 0; i--) if (list.get(i) === id) list.delete(i, 1)
}
