import { schema } from 'prosemirror-schema-basic'
import { EditorState } from 'prosemirror-state'
import { describe, expect, it } from 'vitest'
import { editStart } from './edit-start.js'

const state = EditorState.create({
  schema,
  doc: schema.node('doc', null, [schema.node('paragraph', null, [schema.text('hello world')])]),
})

describe('editStart', () => {
  it('[PM-1] is the least start of the steps in the document before them: later steps are mapped back', () => {
    // "hello world" (positions 1..12): a step at 7, then one at 1 of the document after it.
    expect(editStart(state.tr.insertText('X', 7).insertText('abc', 1))).toBe(1)
    // "world" deleted, then "!" typed at 7 of what is left ("hello |"): the edit starts at 7.
    expect(editStart(state.tr.delete(7, 12).insertText('!', 7))).toBe(7)
    // "abc" typed at 3, then a step at 9 of the new document, which was 6 before it: 3.
    expect(editStart(state.tr.insertText('abc', 3).delete(9, 10))).toBe(3)
    // A mark step starts at its range; a transaction without steps has no start.
    expect(editStart(state.tr.addMark(4, 9, schema.marks.strong.create()))).toBe(4)
    expect(editStart(state.tr)).toBeNull()
  })
})
