import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { decode } from 'hono/jwt'
import { describe, expect, it } from 'vitest'
import { createJwtAuth } from './auth/jwt-auth.js'
import { TokenCommandError, parseDocsFlags, parseTokenArgs, parseTtl, runTokenCommand } from './token-command.js'

const secret = 'test-secret'

describe('weft-server token', () => {
  it('parses durations and refuses what is not one', () => {
    expect(parseTtl('90s')).toBe(90)
    expect(parseTtl('30m')).toBe(1800)
    expect(parseTtl('1h')).toBe(3600)
    expect(parseTtl('7d')).toBe(604_800)
    expect(parseTtl('120')).toBe(120)
    for (const bad of ['', '0', '1w', '-5m', '1.5h', 'h']) expect(() => parseTtl(bad), bad).toThrow(TokenCommandError)
  })

  it('parses grants, repeated or comma-separated; a pattern may contain "="', () => {
    expect(parseDocsFlags(['note:*=write', 'public:*=read,inbox=write'])).toEqual({ 'note:*': 'write', 'public:*': 'read', inbox: 'write' })
    expect(parseDocsFlags(['a=b=read'])).toEqual({ 'a=b': 'read' })
    for (const bad of ['note:*', '=write', 'note:*=admin']) expect(() => parseDocsFlags([bad]), bad).toThrow(/--docs: expected <pattern>=read/)
  })

  it('says what is missing: the secret, --sub, --docs', () => {
    expect(() => parseTokenArgs(['--sub', 'a', '--docs', '*=read'], {})).toThrow(/WEFT_JWT_SECRET/)
    expect(() => parseTokenArgs(['--docs', '*=read'], { WEFT_JWT_SECRET: secret })).toThrow(/--sub is required/)
    expect(() => parseTokenArgs(['--sub', 'a'], { WEFT_JWT_SECRET: secret })).toThrow(/--docs is required/)
    expect(() => parseTokenArgs(['--sub', 'a', '--docs', '*=read', '--port', '1'], { WEFT_JWT_SECRET: secret })).toThrow(TokenCommandError)
    expect(parseTokenArgs(['--jwt-secret', 'flag', '--sub', 'a', '--docs', '*=read'], { WEFT_JWT_SECRET: 'env' }).secret).toBe('flag')
  })

  it('mints a token the server accepts, with the grants and lifetime asked for', async () => {
    let out = ''
    await runTokenCommand(['--sub', 'alice', '--docs', 'note:*=write', '--ttl', '1h'], { WEFT_JWT_SECRET: secret }, { write: (s) => (out += s) })
    const token = out.trim()
    const principal = await createJwtAuth({ secret }).authenticate(token)
    const exp = decode(token).payload.exp as number
    expect(principal).toEqual({ id: 'alice', docs: { 'note:*': 'write' }, expiresAt: exp * 1000 })
    expect(Math.abs(exp - (Date.now() / 1000 + 3600))).toBeLessThan(60)
  })

  it('runs as `weft-server token ...`: the token alone on stdout; a mistake exits 2 with the usage', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url))
    const tsx = pathToFileURL(createRequire(`${root}package.json`).resolve('tsx/esm')).href
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', tsx, cli, 'token', ...args], { env: { ...process.env, WEFT_JWT_SECRET: secret }, encoding: 'utf8' })

    const ok = run(['--sub', 'alice', '--docs', 'note:*=write', '--ttl', '1h'])
    expect(ok.status).toBe(0)
    expect(ok.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/)
    const bad = run(['--sub', 'alice'])
    expect(bad.status).toBe(2)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toContain('--docs is required')
    expect(bad.stderr).toContain('Usage: weft-server token')
  })
})
