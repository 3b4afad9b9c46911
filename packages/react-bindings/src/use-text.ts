import { useMemo } from 'react'
import { toHandle, type HandleLike } from './handle-like.js'
import { diffText } from './text-diff.js'
import { useDocState } from './use-doc-state.js'

/** Edits of one Weft Text, stable for the life of the handle. */
export interface TextOps {
  insert(index: number, text: string): void
  delete(index: number, length: number): void
  /**
   * Make the text equal `next` with the smallest splice (what a textarea's
   * `onChange` needs). `caret` is the caret after the user's edit; it picks
   * the right spot when the text repeats characters.
   */
  replace(next: string, caret?: number): void
}

/**
 * A root Text of a doc as a string, with its edit operations. Re-renders
 * only when this text changes.
 *
 * @example
 * const [body, ops] = useText(note, 'body')
 * <textarea value={body} onChange={(e) => ops.replace(e.target.value, e.target.selectionEnd)} />
 */
export function useText(source: HandleLike, name: string): [string, TextOps] {
  const doc = toHandle(source).doc
  const value = useDocState(source, (d) => d.getText(name).toString())
  const ops = useMemo<TextOps>(() => {
    const text = doc.getText(name)
    return {
      insert: (index, s) => text.insert(index, s),
      delete: (index, length) => text.delete(index, length),
      replace(next, caret) {
        const { index, deleted, inserted } = diffText(text.toString(), next, caret)
        if (deleted === 0 && inserted === '') return
        doc.transact(() => {
          if (deleted > 0) text.delete(index, deleted)
          if (inserted !== '') text.insert(index, inserted)
        })
      },
    }
  }, [doc, name])
  return [value, ops]
}
