/** The libraries the benchmark compares, in table order. */
export type LibName = 'weft' | 'yjs' | 'automerge' | 'loro'

export const LIBS: readonly LibName[] = ['weft', 'yjs', 'automerge', 'loro']

export function isLibName(s: string): s is LibName {
  return (LIBS as readonly string[]).includes(s)
}
