// Hocuspocus child process for the server benchmark: @hocuspocus/server with
// its SQLite extension on a file, loopback only. Env: PORT, DB (SQLite file).
// Defaults kept (debounce 2 s, maxDebounce 10 s): it stores the whole doc
// state after the debounce, so an acknowledged edit is not yet on disk.
import { Server } from '@hocuspocus/server'
import { SQLite } from '@hocuspocus/extension-sqlite'

const port = Number(process.env.PORT)
const server = new Server({
  port,
  address: '127.0.0.1',
  quiet: true,
  extensions: [new SQLite({ database: process.env.DB ?? ':memory:' })],
})
await server.listen()
process.stdout.write(`ready ${port}\n`)
