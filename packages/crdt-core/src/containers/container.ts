import { containerToJSON } from './to-json.js'
import type { WeftCounter } from './counter.js'
import type { WeftList } from './list.js'
import type { WeftMap } from './map.js'
import type { WeftText } from './text.js'

/** Any container of a document. */
export type Container = WeftText | WeftList | WeftMap | WeftCounter

/** The container type for a kind name. */
export interface ContainerByKind {
  text: WeftText
  list: WeftList
  map: WeftMap
  counter: WeftCounter
}

/** Plain JSON of a stored value: containers become their `toJSON()`. */
export function valueToJSON(v: unknown): unknown {
  return containerToJSON(v)
}
