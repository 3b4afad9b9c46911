/** The kinds of container a document holds. */
export type ContainerKind = 'text' | 'list' | 'map' | 'counter'

/** Wire codes of container kinds (format v1). */
export const KIND_CODE: Record<ContainerKind, number> = { text: 1, list: 2, map: 3, counter: 4 }
export const KIND_BY_CODE: readonly (ContainerKind | undefined)[] = [undefined, 'text', 'list', 'map', 'counter']

/**
 * Identifies a container: a root by (kind, name), a nested one by the dot of
 * the operation that created it (replica, counter).
 */
export interface ContainerId {
  kind: ContainerKind
  /** Root name, or null for nested containers. */
  name: string | null
  replica: number
  counter: number
}

export function containerKey(id: ContainerId): string {
  return id.name !== null ? `${id.kind}/${id.name}` : `${id.replica}.${id.counter}`
}
