/**
 * Rendezvous (highest random weight) hashing: the owner of a key is the node
 * with the highest hash of (node, key). When a node leaves, only its keys move
 * (each to its own next-highest node); when one joins, it takes about 1/n of
 * the keys from all the others.
 */

/** 53-bit string hash (cyrb53): fast, well mixed, not cryptographic; only the spread matters here. */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/**
 * The node that owns `key` among `nodes` (undefined when there are none).
 *
 * @example
 * ```ts
 * rendezvousOwner('note:1', ['n1', 'n2', 'n3']) // the same answer on every node that sees the same set
 * ```
 */
export function rendezvousOwner(key: string, nodes: readonly string[]): string | undefined {
  let best: string | undefined
  let bestScore = -1
  for (const node of nodes) {
    const score = hash53(`${node}\u0000${key}`)
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node
      bestScore = score
    }
  }
  return best
}
