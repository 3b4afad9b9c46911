// Load-generator child: runs one scenario against one server and reports over IPC.
import type { LoadJob, ServerKind } from '../protocol.js'
import type { ConnectClient } from './clients/types.js'
import { connectWeft } from './clients/weft-client.js'
import { connectHocuspocus, connectYWebsocket } from './clients/yjs-client.js'
import { send } from './probe.js'
import { runCatchUp } from './scenarios/catch-up.js'
import { runColdLoadRead, runColdLoadWrite } from './scenarios/cold-load.js'
import { runConnections } from './scenarios/connections.js'
import { runSaturation, runTyping } from './scenarios/typing.js'

const connectors: Record<ServerKind, ConnectClient> = {
  weft: connectWeft,
  'y-websocket': connectYWebsocket,
  hocuspocus: connectHocuspocus,
}

async function run(job: LoadJob): Promise<Record<string, unknown>> {
  const connect = connectors[job.server]
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`job for ${job.scenario} lacks ${what}`)
    return v
  }
  switch (job.scenario) {
    case 'fan-out':
      return runTyping(connect, job.url, need(job.typing, 'typing'))
    case 'many-docs':
      return job.saturation
        ? runSaturation(connect, job.url, need(job.typing, 'typing'), job.saturation)
        : runTyping(connect, job.url, need(job.typing, 'typing'))
    case 'connections':
      return runConnections(connect, job.url, need(job.maxConnections, 'maxConnections'), need(job.connectionStep, 'connectionStep'), job.budgetMs)
    case 'catch-up':
      return runCatchUp(connect, job.url, need(job.catchUpEdits, 'catchUpEdits'))
    case 'cold-load':
      return job.phase === 'read'
        ? runColdLoadRead(connect, job.url, need(job.coldLoadBytes, 'coldLoadBytes'))
        : runColdLoadWrite(connect, job.url, need(job.coldLoadBytes, 'coldLoadBytes'))
  }
}

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob
run(job).then(
  (result) => {
    // Exit once the result is out: sockets still closing must not hold it hostage.
    send({ type: 'result', result }, () => process.exit(0))
  },
  (error: unknown) => {
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1))
  },
)
