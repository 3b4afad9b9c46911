/**
 * A two-phase coordinator as a process of its own, so tests can kill -9 it:
 * either at a chosen step of one transfer (`crashAt`: it SIGKILLs itself
 * there, a real kill at an exact point) or at any moment from outside while
 * it runs seeded transfers in a loop. Config in env WEFT_BANK_CONFIG (JSON).
 * Prints one line per transfer: `committed <txid>`, `aborted <txid>`,
 * `in-doubt <txid>` (or `failed <message>`).
 */
import { seededRandom } from '@weft/crdt-core'
import { TwoPhaseAbortedError, TwoPhaseCoordinator, TwoPhaseInDoubtError, type TwoPhaseStep } from '@weft/server'
import { type Account, accountsOf, pool, transferTx } from './bank.js'

interface Config {
  readonly catalogUrl: string
  readonly shards: Record<string, string>
  readonly crashAt?: TwoPhaseStep
  readonly once?: { from: Account; to: Account; amount: number }
  readonly seed?: number
}

const config = JSON.parse(process.env.WEFT_BANK_CONFIG ?? '{}') as Config
const participants = new Map(Object.entries(config.shards).map(([name, url]) => [name, pool(url, 4)]))
const coordinator = new TwoPhaseCoordinator({
  log: pool(config.catalogUrl, 4),
  participants,
  onStep: (step) => {
    if (step === config.crashAt) process.kill(process.pid, 'SIGKILL')
  },
})

async function one(from: Account, to: Account, amount: number): Promise<void> {
  try {
    const txid = await coordinator.run(transferTx(from, to, amount))
    console.log(`committed ${txid}`)
  } catch (error) {
    if (error instanceof TwoPhaseAbortedError) console.log(`aborted ${error.txid}`)
    else if (error instanceof TwoPhaseInDoubtError) console.log(`in-doubt ${error.txid}`)
    else console.log(`failed ${String(error).replaceAll('\n', ' ')}`)
  }
}

if (config.once) {
  await one(config.once.from, config.once.to, config.once.amount)
  process.exit(0)
} else {
  const rand = seededRandom(config.seed ?? 1)
  const accounts = accountsOf(Object.keys(config.shards).sort())
  for (;;) {
    const from = accounts[Math.floor(rand() * accounts.length)] as Account
    const others = accounts.filter((a) => a.shard !== from.shard)
    const to = others[Math.floor(rand() * others.length)] as Account
    await one(from, to, 1 + Math.floor(rand() * 50))
  }
}
