import { parseArgs } from 'node:util'
import type { Access, DocGrants } from './auth/auth.js'
import { signAccessToken } from './auth/sign-token.js'

export const TOKEN_USAGE = `Usage: weft-server token --sub <id> --docs <pattern=access> [--docs ...] [--ttl <duration>]

Prints an HS256 access token that a server started with the same secret accepts.
For development and scripts; an app's backend mints tokens with signAccessToken().

  --sub <id>              who the token is for (the JWT sub claim)
  --docs <pattern=access> docs it may use: access is read or write; a pattern ending
                          in * is a prefix ('note:*', '*' for every doc). Repeat the
                          flag, or separate grants with commas: 'note:*=write,public:*=read'
  --ttl <duration>        lifetime: 90s, 30m, 1h, 7d, or seconds (default 1h)
  --jwt-secret <s>        the server's secret (env WEFT_JWT_SECRET, preferred: flags show up in ps)
  -h, --help

Example: WEFT_JWT_SECRET=... weft-server token --sub alice --docs 'note:*=write' --ttl 1h
`

/** What `weft-server token` resolved from its flags and environment. */
export interface TokenCommandConfig {
  readonly help: boolean
  readonly sub: string
  readonly docs: DocGrants
  readonly ttlSeconds: number
  readonly secret: string
}

/** A `weft-server token` invocation the user must correct; its message says how. */
export class TokenCommandError extends Error {
  override readonly name = 'TokenCommandError'
  readonly code = 'invalid-token-command'
}

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** `90s`, `30m`, `1h`, `7d` or plain seconds, as seconds. */
export function parseTtl(raw: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(raw.trim())
  const seconds = m ? Number(m[1]) * (UNITS[m[2] || 's'] ?? 1) : Number.NaN
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new TokenCommandError(`--ttl: expected a duration such as 90s, 30m, 1h or 7d, got "${raw}"`)
  }
  return seconds
}

/** `note:*=write` grants (repeated, or comma-separated) as a `docs` claim. */
export function parseDocsFlags(values: readonly string[]): DocGrants {
  const docs: Record<string, Access> = {}
  for (const grant of values.flatMap((v) => v.split(','))) {
    const at = grant.lastIndexOf('=')
    const pattern = grant.slice(0, at).trim()
    const access = grant.slice(at + 1).trim()
    if (at <= 0 || pattern === '' || (access !== 'read' && access !== 'write')) {
      throw new TokenCommandError(`--docs: expected <pattern>=read or <pattern>=write (e.g. 'note:*=write'), got "${grant}"`)
    }
    docs[pattern] = access
  }
  return docs
}

/** Flags win over the environment. Throws {@link TokenCommandError} saying what to fix. */
export function parseTokenArgs(argv: readonly string[], env: Record<string, string | undefined>): TokenCommandConfig {
  let values: { sub?: string | undefined; docs?: string[] | undefined; ttl?: string | undefined; 'jwt-secret'?: string | undefined; help?: boolean | undefined }
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        sub: { type: 'string' },
        docs: { type: 'string', multiple: true },
        ttl: { type: 'string' },
        'jwt-secret': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    throw new TokenCommandError(error instanceof Error ? error.message : String(error))
  }
  if (values.help) return { help: true, sub: '', docs: {}, ttlSeconds: 0, secret: '' }
  const secret = values['jwt-secret'] ?? env.WEFT_JWT_SECRET ?? ''
  if (secret === '') throw new TokenCommandError('no secret: set WEFT_JWT_SECRET (or pass --jwt-secret) to the secret the server was started with')
  const sub = values.sub?.trim() ?? ''
  if (sub === '') throw new TokenCommandError('--sub is required: who the token is for, e.g. --sub alice')
  if (!values.docs?.length) throw new TokenCommandError("--docs is required: which docs the token opens, e.g. --docs 'note:*=write'")
  return { help: false, sub, docs: parseDocsFlags(values.docs), ttlSeconds: parseTtl(values.ttl ?? '1h'), secret }
}

/**
 * `weft-server token ...`: prints a token on stdout (and nothing else, for `$(...)`), or the usage.
 *
 * @example
 * ```sh
 * TOKEN=$(WEFT_JWT_SECRET=s3cret weft-server token --sub alice --docs 'note:*=write' --ttl 1h)
 * ```
 */
export async function runTokenCommand(argv: readonly string[], env: Record<string, string | undefined>, out: { write(s: string): unknown }): Promise<void> {
  const config = parseTokenArgs(argv, env)
  if (config.help) {
    out.write(TOKEN_USAGE)
    return
  }
  out.write(`${await signAccessToken(config.secret, { sub: config.sub, docs: config.docs, expiresInSeconds: config.ttlSeconds })}\n`)
}
