/** Argument checks shared with the client (crdt-core), so every side refuses the same inputs. */
export {
  canonicalJson,
  checkAdd,
  checkKey,
  checkOwner,
  parseValue,
  MAX_STRONG_KEY_BYTES as MAX_KEY_BYTES,
  MAX_STRONG_VALUE_BYTES as MAX_VALUE_BYTES,
} from '@weft/crdt-core'
export type { CheckedAdd } from '@weft/crdt-core'
