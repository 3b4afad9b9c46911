/** `--docs` patterns: `*` matches any run of characters (`note:*`, `*:draft`); without one, the exact id. */
export function docMatcher(pattern: string | undefined): (doc: string) => boolean {
  if (pattern === undefined || pattern === '' || pattern === '*') return () => true
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's')
  return (doc) => re.test(doc)
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
