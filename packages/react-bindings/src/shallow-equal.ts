/**
 * Equal when both are the same value, or arrays / plain objects whose
 * elements or own properties are `Object.is`-equal. Pass it to `useDocState`
 * when the selector builds a new array or object on every call.
 *
 * @example
 * const ids = useDocState(note, (d) => d.getList('order').toArray(), shallowEqual)
 */
export function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => Object.is(v, b[i]))
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  const ra = a as Record<string, unknown>
  const rb = b as Record<string, unknown>
  return ka.every((k) => Object.hasOwn(rb, k) && Object.is(ra[k], rb[k]))
}
