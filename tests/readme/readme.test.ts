import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createClient } from '@weft/client'
import { createJwtAuth, createServer, type WeftServer } from '@weft/server'
import { sign } from 'hono/jwt'
import { afterEach, describe, expect, it } from 'vitest'
import { block, readmeBlocks } from './readme-blocks.js'
import { typeErrors } from './typecheck.js'

// The README's guides, followed literally: each marked block is run or compiled as written.
const root = resolve(import.meta.dirname, '../..')
const readme = readmeBlocks(join(root, 'README.md'))
const generated = join(import.meta.dirname, '.generated')
mkdirSync(generated, { recursive: true })

/** A README block as a module file beside this test (so its imports resolve in the workspace). */
function asModule(name: string, code: string, ext = 'ts'): string {
  const file = join(generated, `${name}.${ext}`)
  writeFileSync(file, code)
  return file
}

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

describe('README', () => {
  it('keeps every block its tests follow', () => {
    for (const name of ['quick-start', 'node-broadcast-channel', 'claims', 'token-cli', 'token-endpoint', 'token-client', 'strong-client']) block(readme, name)
  })

  it("auth: the example claims are accepted by the server's JWT auth (not expired)", async () => {
    const claims = JSON.parse(block(readme, 'claims').code) as { sub: string; exp: number; docs: Record<string, string> }
    expect(claims.exp * 1000).toBeGreaterThan(Date.now())
    const secret = 'readme-secret'
    const principal = await createJwtAuth({ secret }).authenticate(await sign(claims, secret, 'HS256'))
    // [AUTH-2]: the principal carries the token's expiry, so the server can close the connection at it.
    expect(principal).toEqual({ id: claims.sub, docs: claims.docs, expiresAt: claims.exp * 1000 })
  })

  it('auth: the weft-server token command line prints a token for alice that opens note:* for writing', () => {
    // `weft-server` on PATH is the CLI from source (run through tsx), so the line runs as written.
    const bin = mkdtempSync(join(tmpdir(), 'weft-readme-bin-'))
    const tsx = pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx/esm')).href
    const cli = join(root, 'packages/server/src/cli.ts')
    writeFileSync(join(bin, 'weft-server'), `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${cli}" "$@"\n`, { mode: 0o755 })
    const line = block(readme, 'token-cli').code.trim()
    const r = spawnSync('sh', ['-c', line], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const secret = /WEFT_JWT_SECRET=(\S+)/.exec(line)?.[1] ?? ''
    return createJwtAuth({ secret })
      .authenticate(r.stdout.trim())
      .then((p) => expect(p).toMatchObject({ id: 'alice', docs: { 'note:*': 'write' }, expiresAt: expect.any(Number) }))
  })

  it("auth: the Hono token endpoint serves tokens the server accepts, for the user's own notes only", async () => {
    const secret = 'readme-endpoint-secret'
    const { weftTokenRoute } = (await import(/* @vite-ignore */ asModule('token-endpoint', block(readme, 'token-endpoint').code))) as {
      weftTokenRoute(
        secret: string,
        currentUser: (req: Request) => Promise<string | null>,
      ): { request(path: string, init?: RequestInit): Response | Promise<Response> }
    }
    // Your sign-in, stood in for by a header.
    const app = weftTokenRoute(secret, async (req) => req.headers.get('x-user'))
    expect((await app.request('/api/weft-token')).status).toBe(401)

    const server: WeftServer = await createServer({ port: 0, jwtSecret: secret, logLevel: 'silent' })
    cleanup.push(() => server.close())
    const token = async (): Promise<string> =>
      ((await (await app.request('/api/weft-token', { headers: { 'x-user': 'alice' } })).json()) as { token: string }).token
    const client = createClient({ url: server.wsUrl, token, tabs: false })
    cleanup.push(() => client.close())

    const own = client.doc('note:alice:1')
    own.doc.getText('body').insert(0, 'mine')
    await own.whenSaved('server')
    const other = client.doc('note:bob:1')
    other.doc.getText('body').insert(0, 'not mine')
    await expect(other.whenSaved('server')).rejects.toMatchObject({ code: expect.stringMatching(/forbidden|read-only/) })
  })

  it('the TypeScript blocks compile as written (strict, against the packages)', () => {
    const files = [
      asModule('token-endpoint-typed', block(readme, 'token-endpoint').code),
      asModule('token-client', `import { createClient } from '@weft/client'\n\n${block(readme, 'token-client').code}\nexport { client }\n`),
      asModule('node-broadcast-channel-typed', block(readme, 'node-broadcast-channel').code),
      asModule('strong-client', `${block(readme, 'strong-client').code}\nexport { client }\n`),
    ]
    expect(typeErrors(files)).toEqual([])
  }, 180_000) // a whole-program check of the packages' sources

  it('two Node clients with one name sync over BroadcastChannel with no server, as the README says', async () => {
    const file = asModule('node-broadcast-channel', `${block(readme, 'node-broadcast-channel').code}\nexport { theirs }\n`)
    const { theirs } = (await import(/* @vite-ignore */ file)) as { theirs: { doc: { getText(n: string): { toString(): string } } } }
    expect(theirs.doc.getText('body').toString()).toBe('hi')
  })

  it('names only files that exist in its tables and links, here and in the demo README', () => {
    for (const [path, base] of [
      ['README.md', root],
      ['apps/demo-notes/README.md', join(root, 'apps/demo-notes')],
      ['examples/README.md', join(root, 'examples')],
      ['packages/devtools/README.md', join(root, 'packages/devtools')],
    ] as const) {
      const text = readFileSync(join(root, path), 'utf8')
      const named = [
        ...[...text.matchAll(/^\| `((?:src|scripts|examples|packages|apps|tests)\/[^`*]+)` \|/gm)].map((m) => m[1] ?? ''),
        ...[...text.matchAll(/\]\(((?!https?:|#)[^)#\s]+)\)/g)].map((m) => m[1] ?? ''),
      ]
      for (const f of named) expect(existsSync(join(base, f)), `${path} names ${f}`).toBe(true)
    }
  })
})
