import { SchemaTooNewError } from './store/postgres-migrations.js'

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

/** Opening PostgreSQL (`--store`) failed: what to do about it, by PostgreSQL's error code or the socket's. */
export function explainPostgresError(error: unknown, url: string): string {
  const code = codeOf(error) ?? ''
  const message = messageOf(error)
  if (error instanceof SchemaTooNewError) {
    return `the PostgreSQL database ${url} was migrated by a newer weft-server (schema ${error.found}, this one knows ${error.known}): upgrade this server, or point --store (WEFT_STORE) at another database.`
  }
  const what = `could not use the PostgreSQL database ${url} (${message})`
  if (code === '28P01' || code === '28000') return `${what}: it refused the credentials. Fix the user and password in --store (WEFT_STORE).`
  if (code === '3D000') return `${what}: create it (createdb <name>), or fix the database name in --store (WEFT_STORE).`
  if (code === '42501') return `${what}: the user may not create weft's tables. Grant it CREATE on the database, or use another user.`
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code) || /timeout|terminated/i.test(message)) {
    return `${what}: it cannot be reached. Start PostgreSQL, or point --store (WEFT_STORE) at a running server.`
  }
  return `${what}.`
}

/** Connecting to the bus (`--bus`) failed: what to do about it. */
export function explainBusError(error: unknown, url: string): string {
  const message = messageOf(error)
  const what = `could not connect to the NATS bus ${url} (${message})`
  if (/authori[sz]ation|authentication|credentials/i.test(message)) return `${what}: it refused the credentials. Fix them in --bus (WEFT_BUS).`
  return `${what}: start it (nats-server -js), or point --bus (WEFT_BUS) at a running server.`
}

/** Thrown by the CLI when PostgreSQL or the bus could not be used; its message is already explained. */
export class ClusterOpenError extends Error {
  override readonly name = 'ClusterOpenError'
  constructor(
    explained: string,
    override readonly cause: unknown,
  ) {
    super(explained)
  }
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
  if (error instanceof StoreOpenError || error instanceof ClusterOpenError) return error.message
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
