/** A URL without its password, for logs, errors and `/healthz`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString().replace(/\/$/, '')
  } catch {
    return '(not a valid URL)'
  }
}
