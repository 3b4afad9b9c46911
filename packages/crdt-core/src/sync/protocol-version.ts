/**
 * The Weft sync protocol version: the first byte of every frame.
 *
 * History (bump on any change of frame layout or meaning; never reuse a number):
 * - 1 (2026-11): hello, welcome, ping, pong, error, subscribe, unsubscribe,
 *   sync, delta, ack, digest, heal, presence. See SPEC.md.
 *   Added within version 1 (2026-12): strong, strongResult, strongError
 *   (tags 48-50, [STRONG-1]); a peer that predates them refuses them as
 *   bad-frame, and no other frame changed.
 */
export const PROTOCOL_VERSION = 1
