/**
 * Why the server could not start, told to the person starting it: what was wrong and what to do.
 * Only the failures someone running the server can fix are explained; anything else is a bug
 * and keeps its stack.
 */

/** Where the CLI was asked to listen and store. */
export interface StartupTarget {
  readonly port: number
  readonly host: string
  readonly db: string
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Opening the SQLite file failed: what to do about it, by SQLite's result code or message. */
export function explainStoreError(error: unknown, db: string): string {
  const code = codeOf(error) ?? ''
  const message = messageOf(error)
  const what = `could not open the SQLite database ${db} (${message})`
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(message)) {
    return `${what}: the file is not a SQLite database or is damaged. Point --db (WEFT_DB) at another file, or restore this one from a backup.`
  }
  if (/directory does not exist/i.test(message)) {
    return `${what}: create its directory, or point --db (WEFT_DB) at a file in an existing one.`
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return `${what}: another process holds it locked. Stop the other process, or point --db (WEFT_DB) at another file.`
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'EACCES') {
    return `${what}: the server may not read and write it. Check the permissions of the file and of its directory.`
  }
  return `${what}.`
}

/** Thrown by the CLI when the store could not be opened; its message is already explained. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError'
  constructor(
    db: string,
    override readonly cause: unknown,
  ) {
    super(explainStoreError(cause, db))
  }
}

/** The CLI's one line about a failed start; `undefined` when the error is not one a user can fix. */
export function explainStartupError(error: unknown, target: StartupTarget): string | undefined {
  if (error instanceof StoreOpenError) return error.message
  if ((error as { syscall?: unknown } | null)?.syscall !== 'listen') return undefined
  const where = `${target.host}:${target.port}`
  switch (codeOf(error)) {
    case 'EADDRINUSE':
      return `${where} is already in use: stop whatever listens there, or pass another --port (WEFT_PORT; 0 picks a free one).`
    case 'EACCES':
      return `no permission to listen on ${where}: ports below 1024 need privileges; pass --port 1024 or above (WEFT_PORT).`
    case 'EADDRNOTAVAIL':
      return `${target.host} is not an address of this machine: pass --host 127.0.0.1, or 0.0.0.0 for every interface (WEFT_HOST).`
    default:
      return undefined
  }
}
