import { defineOwn } from '../values.js'
import type { Container } from './container.js'
import { CONTAINER_KIND, isContainerRef } from './container-ref.js'
import type { WeftList } from './list.js'
import type { WeftMap } from './map.js'

/** A map or list being filled: its output, the keys (maps) and the values still to visit. */
interface Frame {
  container: Container
  out: Record<string, unknown> | unknown[]
  keys: string[] | null
  values: unknown[]
  next: number
}

/** A live map or list (not a placeholder in decoded content, not text or a counter). */
function isBranch(v: unknown): v is WeftMap | WeftList {
  if (!isContainerRef(v)) return false
  const kind = v[CONTAINER_KIND]
  return (kind === 'map' || kind === 'list') && 'id' in v
}

function frameOf(c: WeftMap | WeftList): Frame {
  if (c.kind === 'list') {
    const values = c.seq.content() as unknown[]
    return { container: c, out: new Array<unknown>(values.length), keys: null, values, next: 0 }
  }
  const keys = c.keys()
  return { container: c, out: {}, keys, values: keys.map((k) => c.entries.get(k)!.value), next: 0 }
}

/** Plain JSON of a value: JSON as is, a leaf container's own JSON, a map or list walked without recursion. */
export function containerToJSON(root: unknown): unknown {
  if (!isBranch(root)) return leafJSON(root)
  const top = frameOf(root)
  // A stack of frames rather than recursion: a tree 100,000 containers deep
  // (which only a forged or old delta can hold) must not overflow the stack.
  const stack: Frame[] = [top]
  // A container met again on its own path (only a forged delta could link
  // one so) is shown as null rather than walked for ever.
  const onPath = new Set<Container>([root])
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!
    if (f.next === f.values.length) {
      stack.pop()
      onPath.delete(f.container)
      continue
    }
    const i = f.next++
    const v = f.values[i]
    let out: unknown
    if (isBranch(v)) {
      if (onPath.has(v)) out = null
      else {
        const child = frameOf(v)
        stack.push(child)
        onPath.add(v)
        out = child.out
      }
    } else out = leafJSON(v)
    if (f.keys !== null) defineOwn(f.out, f.keys[i]!, out)
    else (f.out as unknown[])[i] = out
  }
  return top.out
}

/** JSON values as they are; text and counters (and anything else with `toJSON`) by their own. */
function leafJSON(v: unknown): unknown {
  if (typeof v === 'object' && v !== null && 'toJSON' in v && typeof (v as { toJSON: unknown }).toJSON === 'function') {
    return (v as { toJSON(): unknown }).toJSON()
  }
  return v
}

/** The doc's JSON: each root by name, the first of a name winning (the caller orders them). */
export function docToJSON(roots: readonly Container[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const c of roots) {
    const name = c.id.name!
    if (!Object.hasOwn(out, name)) defineOwn(out, name, containerToJSON(c))
  }
  return out
}
