import { CONTAINER_KIND, isContainerRef } from '../containers/container-ref.js'
import { type ContainerId, containerKey } from '../containers/kind.js'
import type { DeltaData } from '../delta/types.js'
import { WeftDecodeError, WeftDepthError } from '../errors.js'

/**
 * Which container holds each nested container, and how deep it sits. A
 * nested container's id is the dot of the write that created it, so it has
 * one parent; recording it lets a depth bound hold across deltas and lets a
 * forged delta that gives a container a second parent, or makes one its own
 * ancestor, be refused before it is applied (either would make walks over
 * the tree repeat or never end).
 *
 * A container whose creating write never arrived (a peer sent it after the
 * write was overwritten) is an orphan: depth 1 until a write links it.
 */
export class Nesting {
  /** Parent key by nested container key. */
  private readonly parents = new Map<string, string>()
  /** Depth by nested container key (roots are 1 and not stored). */
  private readonly depths = new Map<string, number>()

  /** Depth of the container with this key and id (1 for roots and orphans). */
  depthOf(id: ContainerId): number {
    return id.name !== null ? 1 : (this.depths.get(containerKey(id)) ?? 1)
  }

  /** Nested containers with a recorded parent. */
  get size(): number {
    return this.parents.size
  }

  parentOf(key: string): string | undefined {
    return this.parents.get(key)
  }

  /** Records that `parent` holds the nested container `child` (a no-op when already recorded). */
  link(parent: ContainerId, child: ContainerId): void {
    const key = containerKey(child)
    if (this.parents.has(key)) return
    this.parents.set(key, containerKey(parent))
    this.depths.set(key, this.depthOf(parent) + 1)
  }
}

/** A nested container a delta creates: its key, and the position of the container section that holds it. */
interface Link {
  child: string
  parent: number
}

/** The links of a delta: every map write and list item that creates a nested container. */
function linksOf(data: DeltaData): Link[] {
  const links: Link[] = []
  const containers = data.containers
  for (let i = 0; i < containers.length; i++) {
    const cd = containers[i]!
    for (let k = 0; k < cd.entries.length; k++) {
      const e = cd.entries[k]!
      if (e.value.type === 'container') links.push({ child: `${e.replica}.${e.counter}`, parent: i })
    }
    if (cd.id.kind !== 'list') continue
    // A list state's inserts are built from its columns on first read; no container, no cost worth avoiding here.
    const inserts = cd.inserts
    for (let k = 0; k < inserts.length; k++) {
      const op = inserts[k]!
      if (op.content === null || typeof op.content === 'string') continue
      for (let j = 0; j < op.content.length; j++) {
        const item = op.content[j]
        if (isContainerRef(item) && item[CONTAINER_KIND] !== undefined) links.push({ child: `${op.replica}.${op.counter + j}`, parent: i })
      }
    }
  }
  return links
}

function invalid(message: string): never {
  throw new WeftDecodeError('invalid', message)
}

/**
 * Checks a delta's nesting against the doc before it is applied: no
 * container nested deeper than `maxDepth` (`WeftDepthError`), none given two
 * parents, none its own ancestor (`WeftDecodeError` 'invalid'). Iterative
 * throughout: a forged chain of 100,000 containers is refused, not recursed into.
 */
export function validateNesting(nesting: Nesting, data: DeltaData, maxDepth: number, exists: (key: string) => boolean): void {
  const links = linksOf(data)
  if (links.length === 0) return
  const containers = data.containers
  const parentInDelta = new Map<string, number>()
  for (const { child, parent } of links) {
    const parentKey = containerKey(containers[parent]!.id)
    const before = parentInDelta.get(child)
    const known = nesting.parentOf(child)
    if ((before !== undefined && before !== parent) || (known !== undefined && known !== parentKey)) {
      invalid(`nested container ${child} is created in two places`)
    }
    if (child === parentKey) invalid(`container ${child} holds itself`)
    parentInDelta.set(child, parent)
  }
  // Depth of each section: recorded, else its in-delta parent's plus one, else 1 (a root or an orphan).
  const depth = new Float64Array(containers.length)
  const onPath = new Uint8Array(containers.length)
  const path: number[] = []
  for (let i = 0; i < containers.length; i++) {
    let at = i
    let base = 0
    while (depth[at] === 0) {
      const id = containers[at]!.id
      const key = id.name === null ? containerKey(id) : ''
      const up = id.name === null && nesting.parentOf(key) === undefined ? parentInDelta.get(key) : undefined
      if (up === undefined) {
        base = nesting.depthOf(id)
        depth[at] = base
        break
      }
      if (onPath[at] === 1) invalid(`containers ${key} and its parents form a cycle`)
      onPath[at] = 1
      path.push(at)
      at = up
    }
    base = depth[at]!
    while (path.length > 0) {
      const p = path.pop()!
      onPath[p] = 0
      base++
      depth[p] = base
      if (base > maxDepth) throw new WeftDepthError(base, maxDepth)
    }
  }
  for (const { parent } of links) {
    const d = depth[parent]! + 1
    if (d > maxDepth) throw new WeftDepthError(d, maxDepth)
  }
  // Linking a container the doc already holds as an orphan (it may have
  // descendants): its new parent must not descend from it. Any cycle
  // through the doc's recorded links passes such a link; cycles among the
  // delta's own sections were refused above. Orphans are rare, so is this walk.
  const parentKeyOf = (key: string): string | undefined => {
    const known = nesting.parentOf(key)
    if (known !== undefined) return known
    const up = parentInDelta.get(key)
    return up === undefined ? undefined : containerKey(containers[up]!.id)
  }
  for (const { child, parent } of links) {
    if (nesting.parentOf(child) !== undefined || !exists(child)) continue
    let at: string | undefined = containerKey(containers[parent]!.id)
    for (let steps = 0; at !== undefined && steps <= nesting.size + containers.length; steps++) {
      if (at === child) invalid(`container ${child} would become its own ancestor`)
      at = parentKeyOf(at)
    }
  }
}
