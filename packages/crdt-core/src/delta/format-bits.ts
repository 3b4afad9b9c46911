/**
 * Bit values of the compact delta formats (v4, v5, v6), shared by the general
 * codec (codec.ts) and the keystroke encoder (local-delta.ts), which must
 * write the same bytes. The layouts are in codec.ts's version history.
 */

/** [v5] Header flags beside the state (1) and deflate (2) bits: a count the reader infers is left out. */
export const FLAG_NO_DEPS = 4
export const FLAG_ONE_RANGE = 8
export const FLAG_ONE_CONTAINER = 16
/** Every header flag a v5 delta may carry. */
export const DENSE_HEADER_FLAGS = FLAG_NO_DEPS | FLAG_ONE_RANGE | FLAG_ONE_CONTAINER
/**
 * [v6] The replica table holds one id: its count is not written, and
 * neither is any reference that can only name it (see codec.ts).
 */
export const FLAG_ONE_REPLICA = 32
/** [v6] The one container holds one op: no op count is written. */
export const FLAG_ONE_OP = 64
/** [v6] Every id of the replica table is written in `WIDE_ID_BYTES` bytes, little-endian (each at least `MIN_WIDE_ID`). */
export const FLAG_WIDE_IDS = 128
/** Every header flag a v6 delta may carry. */
export const TERSE_HEADER_FLAGS = DENSE_HEADER_FLAGS | FLAG_ONE_REPLICA | FLAG_ONE_OP | FLAG_WIDE_IDS
/** [v6] A wide id's bytes: 56 bits hold every 53-bit replica id. */
export const WIDE_ID_BYTES = 7
/** [v6] The smallest id a varint takes 8 bytes for (7 bits a byte): from here on 7 fixed bytes are shorter. */
export const MIN_WIDE_ID = 2 ** 49

/** [v4] A container id's byte: kind << 3, then these tag bits. */
export const TAG_NESTED = 1
export const TAG_MARKS = 2
export const TAG_MOVES = 4
/** [v5] A text or list container's id byte also says which op sections follow (no empty section, no count of 0). */
export const SECTION_INSERTS = 0x40
export const SECTION_DELETES = 0x80
/** [v5] The kind's bits of the id byte (the section bits above it). */
export const KIND_BITS = 0x38

/** [v5] An insert opens with `len * 8 +` these. */
export const INSERT_DOT_FOLLOWS = 4
export const INSERT_ASCII = 2
/** [v6] The same bit on a list insert: every item is an integer, written as a zig-zag varint with no tag. */
export const INSERT_INTS = 2
/** The deleted flag: v5's low bit of the opening, v4's of `len * 2 + deleted`, a byte of its own before. */
export const INSERT_DELETED = 1
/** [v5] A delete opens with `ranges * 2 +` this; [v6] with `ranges * 4 +` this and `DELETE_UNIT_RANGES`. */
export const DELETE_DOT_FOLLOWS = 1
/** [v6] Every range the delete removes is one dot long: their lengths are not written. */
export const DELETE_UNIT_RANGES = 2
/** [v5] A map entry's lamport field is `lamport * 2 +` this. */
export const ENTRY_DOT_FOLLOWS = 1
/** [v5] Largest lamport clock a v5 map entry holds (doubled, it must stay a safe integer). */
export const MAX_DENSE_LAMPORT = 2 ** 52 - 1

/**
 * [v5] A value's first byte: a JSON value's own tag (0–7, see values.ts),
 * `VALUE_CONTAINER + kind code` for a nested container, `VALUE_DELETED` for a
 * deleted map entry. Before v5 a tag byte of its own came first.
 */
export const MAX_JSON_TAG = 7
export const VALUE_CONTAINER = 16
export const VALUE_DELETED = 32
