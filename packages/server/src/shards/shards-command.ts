import { parseArgs } from 'node:util'
import { parseShards } from '../cli-args.js'
import { explainPostgresError } from '../startup-error.js'
import { redactUrl } from '../redact-url.js'
import { ShardMover } from './shard-move.js'
import { ShardedStore } from './sharded-store.js'

export const SHARDS_USAGE = `Usage: weft-server shards <command> --store <catalog url> --shard <id>=<url> [--shard ...]

Operates the shards of a running deployment, online: servers keep serving while
docs move (a move copies the doc, then switches it with two-phase commit; writes
racing the switch are re-sent to the new shard, none lost or applied twice).

Commands:
  list                    each shard: docs it holds, whether new docs hash to it, docs
                          placed on it explicitly; the shard map's version
  move <doc> <shard>      move one doc to a shard
  rebalance [--dry-run]   spread docs evenly over every shard given (e.g. after adding
                          one): moves docs from the fullest shards to the emptiest,
                          printing each move; run it again to resume. --dry-run prints
                          the plan and changes nothing
  recover                 resolve in-doubt two-phase transactions (a mover or shard that
                          crashed mid-move) and print what was done

  --store <url>           the catalog database (env WEFT_STORE): as given to the servers
  --shard <id>=<url>      every shard, as given to the servers (env WEFT_SHARDS=a=url,b=url)
  --json                  JSON objects on stdout instead of lines; a failure as
                          {"error", "exit"} on stderr
  -h, --help

Example: weft-server shards move note:1 c --store postgres://db/weft --shard a=postgres://a/weft --shard b=… --shard c=…
`

/** A `weft-server shards` invocation the user must correct; its message says how. */
export class ShardsCommandError extends Error {
  override readonly name = 'ShardsCommandError'
  readonly code = 'invalid-shards-command'
}

/** What `shards` was asked to do. */
export interface ShardsCommandConfig {
  readonly help: boolean
  readonly command: 'list' | 'move' | 'rebalance' | 'recover'
  readonly args: readonly string[]
  readonly catalogUrl: string
  readonly shards: Readonly<Record<string, string>>
  readonly dryRun: boolean
  readonly json: boolean
}

const COMMANDS = ['list', 'move', 'rebalance', 'recover'] as const

export function parseShardsArgs(argv: readonly string[], env: Record<string, string | undefined>): ShardsCommandConfig {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      shard: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const help = values.help === true
  const [command, ...args] = positionals
  if (help) return { help, command: 'list', args: [], catalogUrl: '', shards: {}, dryRun: false, json: false }
  if (!COMMANDS.includes(command as (typeof COMMANDS)[number])) {
    throw new ShardsCommandError(
      command === undefined
        ? 'a command is required: list, move, rebalance or recover'
        : `unknown command "${command}": expected list, move, rebalance or recover`,
    )
  }
  const catalogUrl = values.store ?? env.WEFT_STORE
  if (!catalogUrl) throw new ShardsCommandError('--store (or WEFT_STORE) is required: the catalog database the servers were given with --store')
  let shards: Record<string, string> | undefined
  try {
    shards = parseShards(values.shard ?? (env.WEFT_SHARDS ? env.WEFT_SHARDS.split(',') : []), catalogUrl)
  } catch (error) {
    throw new ShardsCommandError(error instanceof Error ? error.message : String(error))
  }
  if (!shards) throw new ShardsCommandError('--shard <id>=<url> (or WEFT_SHARDS) is required: every shard, as the servers were given them')
  if (command === 'move' && args.length !== 2) throw new ShardsCommandError('move needs a doc id and a shard id: weft-server shards move <doc> <shard>')
  if (command !== 'move' && args.length > 0) throw new ShardsCommandError(`${command} takes no arguments, got "${args.join(' ')}"`)
  return { help, command: command as ShardsCommandConfig['command'], args, catalogUrl, shards, dryRun: values['dry-run'] === true, json: values.json === true }
}

interface Output {
  write(chunk: string): unknown
}

/** One planned or done move. */
export interface PlannedMove {
  readonly doc: string
  readonly from: string
  readonly to: string
}

/**
 * Moves that leave every shard within one doc of the mean: from the fullest
 * shard to the emptiest, one doc at a time, taking docs in id order so a plan
 * is the same whenever the state is (and a re-run resumes it).
 */
export function planRebalance(docsByShard: ReadonlyMap<string, readonly string[]>): PlannedMove[] {
  const held = new Map([...docsByShard].map(([shard, docs]) => [shard, [...docs].sort()]))
  const moves: PlannedMove[] = []
  for (;;) {
    const bySize = [...held].sort((x, y) => x[1].length - y[1].length || x[0].localeCompare(y[0]))
    const [emptiest, fullest] = [bySize[0], bySize[bySize.length - 1]]
    if (!emptiest || !fullest || fullest[1].length - emptiest[1].length <= 1) return moves
    const doc = fullest[1].pop() as string
    emptiest[1].push(doc)
    moves.push({ doc, from: fullest[0], to: emptiest[0] })
  }
}

/** Runs `weft-server shards`; resolves with the exit code (0 done, 1 failed, 2 bad input: usage, an unknown shard or doc). */
export async function runShardsCommand(argv: readonly string[], env: Record<string, string | undefined>, out: Output, err: Output): Promise<number> {
  if (!argv.includes('--json')) return run(argv, env, out, err)
  // With --json a failure is one JSON object on stderr too, so a script gets the reason and the exit code without parsing prose.
  let text = ''
  const code = await run(argv, env, out, {
    write: (chunk: string) => {
      text += chunk
    },
  })
  if (text) err.write(`${JSON.stringify({ error: (text.split('\n\n')[0] ?? text).trim(), exit: code })}\n`)
  return code
}

async function run(argv: readonly string[], env: Record<string, string | undefined>, out: Output, err: Output): Promise<number> {
  let config: ShardsCommandConfig
  try {
    config = parseShardsArgs(argv, env)
  } catch (error) {
    err.write(`weft-server shards: ${error instanceof Error ? error.message : String(error)}\n\n${SHARDS_USAGE}`)
    return 2
  }
  if (config.help) {
    out.write(SHARDS_USAGE)
    return 0
  }
  let store: ShardedStore
  try {
    store = await ShardedStore.open({ catalogUrl: config.catalogUrl, shards: config.shards, poolSize: 2 })
  } catch (error) {
    const where = [config.catalogUrl, ...Object.values(config.shards)].map(redactUrl).join(', ')
    err.write(`weft-server shards: cannot open the catalog and shards: ${explainPostgresError(error, where)}\n`)
    return 1
  }
  // With --json, lines that only detail an object already printed are left out.
  const say: Say = (line, json) => {
    if (!config.json) out.write(`${line}\n`)
    else if (json !== undefined) out.write(`${JSON.stringify(json)}\n`)
  }
  try {
    switch (config.command) {
      case 'list':
        return await list(store, say)
      case 'move':
        return await move(store, config.args[0] as string, config.args[1] as string, say, err)
      case 'rebalance':
        return await rebalance(store, config.dryRun, say, err)
      case 'recover': {
        const report = await new ShardMover(store).recovery.runOnce()
        say(`recovery: ${report.committed} committed, ${report.rolledBack} rolled back, ${report.pending} left for a later pass`, { recovery: report })
        return report.pending > 0 ? 1 : 0
      }
    }
  } catch (error) {
    err.write(`weft-server shards ${config.command}: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  } finally {
    await store.close()
  }
}

type Say = (line: string, json?: Record<string, unknown>) => void

/** Live docs on each shard (a fenced row is the old copy of a moved doc, not the doc). */
async function docsByShard(store: ShardedStore): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const [id, shard] of store.shards) {
    const { rows } = await shard.pool.query<{ doc: string }>(
      'SELECT doc FROM weft_docs d WHERE NOT EXISTS (SELECT 1 FROM weft_shard_fences f WHERE f.doc = d.doc) ORDER BY doc',
    )
    out.set(
      id,
      rows.map((r) => r.doc),
    )
  }
  return out
}

async function list(store: ShardedStore, say: Say): Promise<number> {
  await store.refreshMap()
  const map = store.currentMap
  const docs = await docsByShard(store)
  const rows = [...store.shards.keys()].map((id) => ({
    shard: id,
    docs: docs.get(id)?.length ?? 0,
    hashed: map.hashShards.includes(id),
    placed: [...map.placements.values()].filter((s) => s === id).length,
  }))
  say(`shard map version ${map.version}; new docs hash over ${map.hashShards.join(', ')}`, { version: map.version, hashShards: map.hashShards, shards: rows })
  for (const r of rows) say(`  ${r.shard}: ${r.docs} docs${r.hashed ? ', takes new docs' : ''}${r.placed ? `, ${r.placed} placed explicitly` : ''}`)
  return 0
}

async function move(store: ShardedStore, doc: string, to: string, say: Say, err: Output): Promise<number> {
  if (!store.shards.has(to)) {
    err.write(`weft-server shards move: unknown shard "${to}": the shards given are ${[...store.shards.keys()].join(', ')}\n`)
    return 2
  }
  await store.refreshMap()
  const from = store.route(doc)
  const held = await store.shards.get(from)?.pool.query('SELECT 1 FROM weft_docs WHERE doc = $1', [doc])
  if (!held?.rowCount) {
    err.write(
      `weft-server shards move: doc "${doc}" not found (the map routes it to shard ${from}, which does not hold it): check the id with \`shards list\`\n`,
    )
    return 2
  }
  const moved = await new ShardMover(store).move({ doc, to })
  const line = moved.from === moved.to ? `${doc} is already on ${to}` : `moved ${doc} ${moved.from} -> ${moved.to} (${moved.copied + moved.tail} deltas copied)`
  say(line, { moved: { doc, ...moved } })
  return 0
}

async function rebalance(store: ShardedStore, dryRun: boolean, say: Say, err: Output): Promise<number> {
  await store.refreshMap()
  const plan = planRebalance(await docsByShard(store))
  if (plan.length === 0) {
    say('balanced: nothing to move', { plan: [] })
    return 0
  }
  if (dryRun) {
    say(`plan: ${plan.length} moves (dry run, nothing changed)`, { plan })
    for (const m of plan) say(`  ${m.doc}: ${m.from} -> ${m.to}`)
    return 0
  }
  const mover = new ShardMover(store)
  for (const [i, m] of plan.entries()) {
    try {
      const done = await mover.move({ doc: m.doc, to: m.to })
      say(`[${i + 1}/${plan.length}] moved ${m.doc} ${done.from} -> ${done.to} (${done.copied + done.tail} deltas copied)`, {
        moved: { ...m, done: i + 1, of: plan.length },
      })
    } catch (error) {
      err.write(`weft-server shards rebalance: moving ${m.doc} ${m.from} -> ${m.to} failed: ${error instanceof Error ? error.message : String(error)}\n`)
      err.write(`${i} of ${plan.length} moves done; run rebalance again to resume (and recover first if a move was cut off)\n`)
      return 1
    }
  }
  return 0
}
