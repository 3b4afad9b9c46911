import type { ContainerKind } from './kind.js'

/**
 * Marks objects that stand for a nested container inside list content:
 * live container objects and the placeholders a decoded delta carries.
 * A symbol key, so no JSON value can ever look like one.
 */
export const CONTAINER_KIND = Symbol('weft.containerKind')

export interface ContainerRefLike {
  readonly [CONTAINER_KIND]: ContainerKind
}

export function isContainerRef(v: unknown): v is ContainerRefLike {
  return typeof v === 'object' && v !== null && CONTAINER_KIND in v
}

/** Placeholder for a nested container in decoded list content. */
export function containerPlaceholder(kind: ContainerKind): ContainerRefLike {
  return { [CONTAINER_KIND]: kind }
}
