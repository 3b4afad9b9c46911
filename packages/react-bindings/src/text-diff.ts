/** One splice that turns `before` into `after`: delete `deleted` chars at `index`, then insert `inserted`. */
export interface TextSplice {
  index: number
  deleted: number
  inserted: string
}

/**
 * The smallest single splice between two strings (common prefix and suffix
 * removed). `hint` (the caret after the edit) disambiguates repeats: typing
 * "a" into "aa" at 1 is an insert at 1, not at 2.
 *
 * @example
 * diffText('hello', 'help!')  // { index: 3, deleted: 2, inserted: 'p!' }
 */
export function diffText(before: string, after: string, hint?: number): TextSplice {
  const maxPrefix = Math.min(before.length, after.length)
  let prefix = 0
  while (prefix < maxPrefix && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++
  // Where the caret says the edit ended, the prefix cannot reach past the edit's start.
  if (hint !== undefined) prefix = Math.min(prefix, Math.max(0, hint - Math.max(0, after.length - before.length)))
  let suffix = 0
  const maxSuffix = Math.min(before.length, after.length) - prefix
  while (suffix < maxSuffix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++
  return { index: prefix, deleted: before.length - prefix - suffix, inserted: after.slice(prefix, after.length - suffix) }
}

/**
 * Where a caret at `pos` in `before` belongs in `after`, when someone else
 * changed the text: before the change it stays, after it it shifts, inside a
 * deleted range it moves to the change's start.
 *
 * @example
 * mapCaret(5, 'hello world', 'oh hello world')  // 8
 */
export function mapCaret(pos: number, before: string, after: string): number {
  if (before === after) return pos
  const { index, deleted, inserted } = diffText(before, after)
  if (pos <= index) return pos
  if (pos >= index + deleted) return pos - deleted + inserted.length
  return index
}
