// Two Weft clients in one Node process, synced through a Weft sync server that checks their tokens.
import { createClient } from '@weft/client'
import { createServer, signAccessToken } from '@weft/server'

// A server on a free port. In memory here (nothing survives a restart); pass `dbPath` for a SQLite
// file. An app runs `weft-server` on its own and mints tokens in its backend.
const secret = 'example-secret'
const server = await createServer({ port: 0, jwtSecret: secret, logLevel: 'warn' })
const tokenFor = (sub) => () => signAccessToken(secret, { sub, docs: { 'note:*': 'write' }, expiresInSeconds: 600 })

// `tabs: false`: two clients in one process would otherwise also sync over BroadcastChannel,
// with no server at all; here every edit goes through the server.
const alice = createClient({ url: server.wsUrl, token: tokenFor('alice'), tabs: false })
const bob = createClient({ url: server.wsUrl, token: tokenFor('bob'), tabs: false })

const mine = alice.doc('note:hello')
await mine.ready
mine.doc.getText('body').insert(0, 'Hello from Alice')
mine.doc.getMap('meta').set('title', 'Greetings')
await mine.whenSaved('server') // acked: durable on the server

const theirs = bob.doc('note:hello')
await theirs.ready
await new Promise((resolve) => {
  const check = () => theirs.doc.getText('body').toString() === 'Hello from Alice' && resolve()
  theirs.doc.on('change', check)
  check()
})
console.log(`bob sees: ${JSON.stringify(theirs.doc.toJSON())}`)

await alice.close()
await bob.close()
await server.close()
