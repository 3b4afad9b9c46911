/**
 * The Weft sync protocol version: the first byte of every frame.
 *
 * History (bump on any change of frame layout or meaning; never reuse a number):
 * - 1 (2026-11): hello, welcome, ping, pong, error, subscribe, unsubscribe,
 *   sync, delta, ack, digest, heal, presence. See SPEC.md.
 */
export const PROTOCOL_VERSION = 1
