/**
 * `view`'s bytes in a buffer of exactly their size (`view` itself when it
 * already spans its whole buffer). Structured clone (IndexedDB, BroadcastChannel)
 * copies a view's entire buffer: a delta that is a slice of a received frame,
 * or of a socket's read chunk in Node, would otherwise take all of it along.
 */
export function ownBuffer(view: Uint8Array): Uint8Array {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? view : new Uint8Array(view)
}
