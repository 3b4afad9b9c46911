/**
 * The newest Weft sync protocol version: the first byte of every frame.
 *
 * History (bump on any change of frame layout or meaning; never reuse a number):
 * - 1 (2026-11): hello, welcome, ping, pong, error, subscribe, unsubscribe,
 *   sync, delta, ack, digest, heal, presence. See SPEC.md.
 *   Added within version 1 (2026-12): strong, strongResult, strongError
 *   (tags 48-50, [STRONG-1]); a peer that predates them refuses them as
 *   bad-frame, and no other frame changed.
 * - 2 (2026-12): the same messages; each direction of a connection names doc
 *   ids, and the replica ids and first root container name of a `delta`
 *   frame's delta, by reference into tables built by first use ([WIRE-1]..[WIRE-3]). A client says it speaks 2
 *   by sending its hello as a version-2 frame; a server answers each
 *   connection in the version of its hello, so version-1 clients keep
 *   working. A version-1 server refuses a version-2 hello with
 *   `unsupported-version`: upgrade servers before clients.
 */
export const PROTOCOL_VERSION = 2
