/**
 * Runs `fn` with `Math.random` and `crypto.getRandomValues` drawing from
 * `random`, so what the client draws for itself (replica ids, backoff
 * jitter, seq bases) replays from the schedule's seed. Restored afterwards;
 * runs must not overlap (a vitest file runs its tests one at a time).
 */
export async function withSeededRandom<T>(random: () => number, fn: () => Promise<T>): Promise<T> {
  const c = globalThis.crypto
  const mathRandom = Math.random
  const getRandomValues = Object.getOwnPropertyDescriptor(c, 'getRandomValues')
  Math.random = random
  Object.defineProperty(c, 'getRandomValues', {
    configurable: true,
    value: <A extends ArrayBufferView | null>(array: A): A => {
      if (array instanceof Uint32Array) for (let i = 0; i < array.length; i++) array[i] = Math.floor(random() * 2 ** 32)
      else if (array instanceof Uint8Array) for (let i = 0; i < array.length; i++) array[i] = Math.floor(random() * 256)
      else throw new Error('seeded getRandomValues: only Uint8Array and Uint32Array')
      return array
    },
  })
  try {
    return await fn()
  } finally {
    Math.random = mathRandom
    if (getRandomValues) Object.defineProperty(c, 'getRandomValues', getRandomValues)
    else delete (c as { getRandomValues?: unknown }).getRandomValues
  }
}
