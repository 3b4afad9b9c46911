/**
 * Bounds on what one encoded delta or state may describe. Decoders check
 * each before they allocate for it and throw a typed `WeftDecodeError`; the
 * public API refuses the same things at write time, so an honest replica
 * never produces bytes another replica must refuse.
 */

/** Longest map key or root container name, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 64 * 1024

/**
 * Longest single string in a delta, in UTF-8 bytes (a state's text content
 * is one string). Well under V8's string limit (~2^29 units), so a decoder
 * never reaches the engine's "string too long".
 */
export const MAX_STRING_BYTES = 128 * 1024 * 1024

/**
 * Most characters one text move may take. A move records each character's
 * source, so a decoder bounds its work by this, not by a length a few bytes
 * can claim; `text.move` refuses more (move a longer range in parts).
 */
export const MAX_MOVE_LEN = 1 << 20

/** Deepest container nesting: a root is at depth 1, a container in it at 2, and so on. */
export const MAX_CONTAINER_DEPTH = 256

/**
 * Default bound on the bytes a deflated state may inflate to. Checked
 * against the state's declared length before inflating and enforced while
 * inflating; raise it with the `maxInflatedBytes` option for larger docs.
 */
export const DEFAULT_MAX_INFLATED_BYTES = 64 * 1024 * 1024

/**
 * The `maxInflatedBytes` for a state this replica or its own store wrote (a
 * snapshot, a replica's local state, a trusted peer's audit import): as large
 * as one buffer can be on every platform (2 GiB). A doc grows by acked writes
 * with no bound of its own, so a policy limit here would make a doc that grew
 * past it unloadable, every acked write in it lost ([LIMIT-2]). Bytes from an
 * unbounded source keep the default (the server bounds a client's state from
 * its frame header, [LIM-INFLATE-1]).
 */
export const TRUSTED_MAX_INFLATED_BYTES = 2 ** 31 - 1

/** UTF-8 length of `s` (lone surrogates as WTF-8's three bytes), without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2
      i++
    } else n += 2
  }
  return n
}

/** Throws a `RangeError` that says what to do when a key or root name is over `MAX_KEY_BYTES`. */
export function checkKeyLength(key: string, what: string): void {
  // Cheap first: a key this short cannot be over the bound in UTF-8.
  if (key.length * 3 <= MAX_KEY_BYTES) return
  const bytes = utf8Length(key)
  if (bytes > MAX_KEY_BYTES) {
    throw new RangeError(`${what} is ${bytes} bytes of UTF-8, over the ${MAX_KEY_BYTES}-byte limit: store long text as a value, not a key`)
  }
}
