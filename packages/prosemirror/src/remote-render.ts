import type { TextDelta } from '@weft/crdt-core'
import type { Node as PMNode } from 'prosemirror-model'
import type { BlockStarts } from './block-starts.js'
import type { Attrs } from './flat.js'

/**
 * How a remote text delta maps onto the editor's document ([PM-3]): a
 * keystroke's worth (text typed or deleted inside one block) becomes that
 * one change; anything else names the whole blocks it touches, which the
 * binding rebuilds from the text.
 */

/** The delta's window: old flat [first, lastOld), new [first, lastNew), and the text's old length. */
interface Window {
  first: number
  lastOld: number
  lastNew: number
  oldLength: number
}

function windowOf(delta: TextDelta, newLength: number): Window | null {
  let first = -1
  let oldPos = 0
  let newPos = 0
  let lastOld = 0
  let lastNew = 0
  for (const op of delta) {
    const plain = 'retain' in op && op.attributes === undefined
    if (!plain && first < 0) first = oldPos
    if ('retain' in op) {
      oldPos += op.retain
      newPos += op.retain
    } else if ('insert' in op) newPos += op.insert.length
    else oldPos += op.delete
    if (!plain) {
      lastOld = oldPos
      lastNew = newPos
    }
  }
  if (first < 0) return null
  return { first, lastOld, lastNew, oldLength: newLength - (newPos - oldPos) }
}

/** Whether an editor of flat length `editorLength` shows the text the delta starts from (its last '\n' may be missing from the text). */
function shows(editorLength: number, w: Window): boolean {
  return editorLength === w.oldLength || editorLength === w.oldLength + 1
}

/**
 * Text typed or deleted inside one block (no '\n' involved), as the one editor change it is:
 * `insert` at `pos` with marks, or delete [pos, pos + length). Null for anything else.
 */
export function inlineEdit(
  blocks: BlockStarts,
  delta: TextDelta,
  newLength: number,
  editorLength: number,
):
  | { index: number; block: PMNode; blockPos: number; pos: number; insert: string; attrs: Attrs | undefined }
  | { index: number; block: PMNode; blockPos: number; pos: number; delete: number }
  | null {
  // [retain n]? then one insert or one delete.
  const head = delta[0]
  const retain = head !== undefined && 'retain' in head && head.attributes === undefined ? head.retain : 0
  const at = retain > 0 ? 1 : 0
  const op = delta[at]
  if (op === undefined || delta.length !== at + 1 || 'retain' in op) return null
  const w = windowOf(delta, newLength)
  if (w === null || !shows(editorLength, w)) return null
  const block = blocks.at(retain)
  if (block === null) return null
  // A last block the text has no '\n' for yet disappears when emptied: the block path handles it.
  if (editorLength !== w.oldLength && block.start + block.size + 1 === editorLength) return null
  const pos = block.pos + 1 + (retain - block.start)
  if ('insert' in op) {
    if (op.insert.includes('\n')) return null
    return { index: block.index, block: block.node, blockPos: block.pos, pos, insert: op.insert, attrs: op.attributes }
  }
  // Deleted characters all inside the block's text: its '\n' (at start + size) stays.
  if (retain + op.delete > block.start + block.size) return null
  return { index: block.index, block: block.node, blockPos: block.pos, pos, delete: op.delete }
}

/**
 * The whole blocks a text delta touches: blocks [first, last] of the editor's document before it, which
 * hold flat [flat, flat + length) of the text after it. Characters outside the delta's window are
 * unchanged, so the '\n's that bound those blocks are the same in both. Null when the editor (of flat
 * length `editorLength`) does not show the text the delta starts from: then the caller renders everything.
 */
export function changedBlocks(
  blocks: BlockStarts,
  delta: TextDelta,
  newLength: number,
  editorLength: number,
): { first: number; last: number; flat: number; length: number } | null {
  const w = windowOf(delta, newLength)
  if (w === null || !shows(editorLength, w) || blocks.count === 0) return null
  // The block holding flat `first`, through the one holding the first unchanged character.
  const lastIndex = blocks.count - 1
  const first = Math.min(blocks.blockOfFlat(w.first), lastIndex)
  const last = Math.min(blocks.blockOfFlat(w.lastOld), lastIndex)
  const flat = blocks.flatStart(first)
  // The last block reaches the text's end, whether or not the text has its '\n' yet.
  const oldTo = last === lastIndex ? w.oldLength : blocks.flatStart(last + 1)
  return { first, last, flat, length: oldTo + (w.lastNew - w.lastOld) - flat }
}
