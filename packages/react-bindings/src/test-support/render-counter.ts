/** Counts renders per label: components call `hit(label)` in their body. */
export function renderCounter(): { hit(label: string): void; count(label: string): number } {
  const counts = new Map<string, number>()
  return {
    hit: (label) => void counts.set(label, (counts.get(label) ?? 0) + 1),
    count: (label) => counts.get(label) ?? 0,
  }
}
