import { seededRandom } from '@weft/crdt-core'
import { signAccessToken } from '@weft/server'
import { afterAll, describe, expect, it } from 'vitest'
import { DocClient, eventually } from '../server/helpers/doc-client.js'
import { type ServerProcess, startServerProcess } from '../server/helpers/server-process.js'
import { tempDb } from '../server/helpers/temp-server.js'
import { AttackLog } from './attack-log.js'
import { ATTACKS, type AttackContext } from './attacks.js'
import { type HealthSample, eventLoopLag, startHealthProbe } from './health-probe.js'

const SEED = Number(process.env.WEFT_SEED ?? Date.now() % 1_000_000)
const SOAK_S = Number(process.env.WEFT_HOSTILE_SOAK ?? 0)
/** Attack time per mode: ~15 s in CI, or the soak's seconds. */
const ATTACK_MS = SOAK_S > 0 ? SOAK_S * 1000 : 15_000
/** The stated bounds (see packages/server/README.md, "Resource model"). */
const RSS_BOUND = Number(process.env.WEFT_HOSTILE_RSS_MB ?? 512) * 1e6
const HEALTH_MS = Number(process.env.WEFT_HOSTILE_HEALTH_MS ?? 100)
/**
 * The goal is HEALTH_MS on every probe, and WEFT_HOSTILE_HEALTH_STRICT=1
 * asserts exactly that (on a quiet machine). By default a probe may take
 * longer only when the server's event-loop thread used less than
 * SERVER_CPU_MS of CPU while it waited: that CPU is the server's share of the
 * wait (its own work queued ahead of the probe), the rest is the machine (2
 * shared cores at load 15-50 deschedule the server for seconds: a 1.9 s
 * probe saw 60 ms of server CPU). No hostile frame of the suite costs more
 * than ~60 ms of that CPU any more (20k-34k empty containers cost 170-240 ms
 * before [LIMIT-EMPTY-1]; a 20 MB deflate bomb ~150 ms before
 * [LIM-INFLATE-1]; see the server README's resource model). SERVER_CPU_MS is
 * 150, not the goal's 100, because the CPU is summed over the whole probe:
 * a probe descheduled for 1.5 s saw 100 ms of server CPU made of the
 * attackers' and honest writers' frames, none of them near 100 ms. Before
 * those fixes runs saw 220-340 ms; seed 168132 then still saw 230-270 ms in
 * one slice from a doc load replaying stored manyContainers deltas, until a
 * write's dropped empty sections were no longer stored ([LIMIT-EMPTY-1]):
 * 40 ms at most since (open mode, 180 s). No probe may take longer than
 * HEALTH_HANG_MS in any case (a hang is never the machine's).
 */
const SERVER_CPU_MS = Number(process.env.WEFT_HOSTILE_SERVER_CPU_MS ?? 150)
const HEALTH_STRICT = process.env.WEFT_HOSTILE_HEALTH_STRICT === '1'
const HEALTH_HANG_MS = Number(process.env.WEFT_HOSTILE_HEALTH_HANG_MS ?? 10_000)
const MAX_FRAME = 256 * 1024
/**
 * A message (frames joined from parts, [PART-1]) of at most 1 MiB: what one
 * message can make the server join, and so its CPU per message, scales with
 * this (16 MiB by default, a bound for throughput, not for /healthz latency).
 */
const MAX_MESSAGE = 1024 * 1024
/** The server's bound on what a client's deflated state may inflate to: 4 x a message ([LIM-INFLATE-1]). */
const MAX_INFLATED = 4 * MAX_MESSAGE
/** WEFT_HOSTILE_CPU_PROF=<dir>: the server writes a V8 CPU profile there (inspect its self time to see what blocks the loop). */
const CPU_PROF_DIR = process.env.WEFT_HOSTILE_CPU_PROF
/** WEFT_HOSTILE_SERVER_CPUS=1: the server runs under `taskset -c 1`, apart from the test's own work (a fairer measurement on a shared machine). */
const SERVER_CPUS = process.env.WEFT_HOSTILE_SERVER_CPUS

/**
 * The modes the suite runs in. Open: anyone may write, nothing is bound.
 * JWT: every client holds a valid writer's token (the attackers are token
 * holders, each its own principal), so every write goes through replica
 * binding ([BIND-1]) and forged dots meet `replica-owned`.
 * WEFT_HOSTILE_MODE=open|jwt runs one.
 */
interface Mode {
  readonly name: 'open' | 'jwt'
  readonly env: Record<string, string>
  /** The token of principal `sub` ('' in open mode). */
  token(sub: string): Promise<string>
}
const SECRET = 'hostile-suite-secret'
const MODES: Mode[] = [
  { name: 'open', env: {}, token: async () => '' },
  {
    name: 'jwt',
    env: { WEFT_JWT_SECRET: SECRET },
    token: (sub) => signAccessToken(SECRET, { sub, docs: { '*': 'write' }, expiresInSeconds: 3600 }),
  },
]
const ONLY_MODE = process.env.WEFT_HOSTILE_MODE
/** Attackers per mode: each attack says hello as one of them. */
const ATTACKERS = 4

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0
}

describe.each(MODES.filter((m) => ONLY_MODE === undefined || m.name === ONLY_MODE))(
  `hostile clients against the real server process, $name mode (seed ${SEED}; WEFT_SEED=${SEED} to replay)`,
  (mode) => {
    const db = tempDb()
    let proc: ServerProcess | undefined
    afterAll(async () => {
      if (CPU_PROF_DIR !== undefined && proc?.child.exitCode === null) {
        // A graceful exit writes the profile.
        proc.child.kill('SIGTERM')
        await proc.exited
      }
      proc?.child.kill('SIGKILL')
      db.cleanup()
    })

    it(
      'the server stays up, /healthz stays fast, RSS stays bounded and honest clients keep converging',
      async () => {
        const rand = seededRandom(SEED)
        proc = await startServerProcess(
          ['--db', db.path, '--max-frame-bytes', String(MAX_FRAME), '--max-message-bytes', String(MAX_MESSAGE), '--compaction-threshold', '200'],
          mode.env,
          {
            readyTimeoutMs: 60_000,
            ...(CPU_PROF_DIR !== undefined && { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] }),
            ...(SERVER_CPUS !== undefined && { wrap: ['taskset', '-c', SERVER_CPUS] }),
          },
        )
        const p = proc
        const honestDoc = 'honest:1'
        const honestToken = await mode.token('honest')
        const attackerTokens = await Promise.all(Array.from({ length: ATTACKERS }, (_, i) => mode.token(`mallory-${i}`)))
        const writers = [new DocClient(honestDoc), new DocClient(honestDoc)]
        for (const w of writers) await w.connect(p.wsUrl, honestToken)
        const base: Omit<AttackContext, 'token' | 'trace'> = {
          wsUrl: p.wsUrl,
          rand,
          honestDoc,
          honestReplicas: writers.map((w) => w.doc.replicaId),
          maxFrameBytes: MAX_FRAME,
          maxInflatedBytes: MAX_INFLATED,
        }
        const log = new AttackLog()
        // Honest traffic and probes run all along.
        let writes = 0
        const writing = setInterval(() => {
          const w = writers[writes % writers.length]!
          w.edit((d) => d.getMap('m').set(`k${writes}`, writes))
          writes++
        }, 50)
        await eventLoopLag(p.url) // resets the server's event-loop delay histogram: what follows is the attack's
        const probe = startHealthProbe(`${p.url}/healthz`, p.child.pid!)
        let samples: HealthSample[] = []
        const names = Object.keys(ATTACKS)
        const counts: Record<string, number> = {}
        const deadline = Date.now() + ATTACK_MS
        try {
          while (Date.now() < deadline) {
            // A few attackers at once, each a seeded pick.
            const batch = Array.from({ length: 3 }, () => names[Math.floor(rand() * names.length)]!)
            await Promise.all(
              batch.map(async (name) => {
                counts[name] = (counts[name] ?? 0) + 1
                const trace = log.begin(name)
                const ctx: AttackContext = { ...base, token: attackerTokens[trace.id % ATTACKERS]!, trace }
                await ATTACKS[name]!(ctx)
                  .catch((error: unknown) => {
                    // A refused connection is the server defending itself; anything else is reported.
                    if (!/ECONNRESET|socket hang up|closed|timed out/.test(String(error))) throw error
                  })
                  .finally(() => {
                    trace.endedAt = Date.now()
                  })
              }),
            )
            expect(p.child.exitCode, `server exited (seed ${SEED})`).toBeNull()
          }
        } finally {
          clearInterval(writing)
          samples = await probe.stop()
        }
        const lag = await eventLoopLag(p.url)
        const health = samples.map((x) => x.wallMs)
        const slow = samples.filter((x) => x.wallMs > HEALTH_MS)
        // A slow probe is the server's when its event loop was busy (CPU) for more than the bound meanwhile.
        const serverSlow = slow.filter((x) => x.serverCpuMs >= SERVER_CPU_MS)
        const overGoal = slow.filter((x) => x.serverCpuMs >= HEALTH_MS)
        const report = {
          seed: SEED,
          attacks: counts,
          honestWrites: writes,
          probes: samples.length,
          storeUnhealthyAnswers: samples.filter((x) => x.status === 503).length,
          healthP50: Math.round(percentile(health, 0.5)),
          healthP99: Math.round(percentile(health, 0.99)),
          healthMax: Math.round(Math.max(...health)),
          probesOver: slow.length,
          probesOverWithServerCpuOverGoal: overGoal.length,
          probesOverWithServerCpuOverBound: serverSlow.length,
          slowestServerCpuMs: Math.max(0, ...samples.map((x) => x.serverCpuMs)),
          // Each slow probe with the attacks in flight meanwhile (kind#id, shape, bytes sent, local port, when
          // relative to the probe) and what the server logged: a slow probe names its suspects.
          slowProbes: slow.slice(0, 20).map((x) => log.describe(x, p.logs)),
          // The probes that saw the most server CPU, slow or not: the costliest moments of the run and their suspects.
          cpuHeaviestProbes: [...samples]
            .sort((a, b) => b.serverCpuMs - a.serverCpuMs)
            .slice(0, 5)
            .map((x) => log.describe(x, p.logs)),
          suspectsOfProbesOverGoal: log.kindsDuring(overGoal),
          eventLoopLagP99Ms: lag.p99Ms,
          eventLoopLagMaxMs: lag.maxMs,
          rssMaxMB: Math.round(Math.max(...samples.map((x) => x.rssBytes)) / 1e6),
        }
        console.log('hostile run', JSON.stringify(report))
        // Honest clients: every write acked, everyone (and a fresh reader) equal.
        for (const w of writers) await w.acked(undefined, 20_000)
        const fresh = new DocClient(honestDoc)
        await fresh.connect(p.wsUrl, honestToken)
        await eventually(() => {
          for (const w of writers) expect(w.doc.digest()).toBe(fresh.doc.digest())
        }, 10_000)
        expect(Object.keys(fresh.doc.getMap('m').toJSON()).length).toBe(writes)
        expect(fresh.doc.pendingCount).toBe(0)
        for (const c of [...writers, fresh]) c.close()
        expect(p.child.exitCode).toBeNull()
        expect(samples.length).toBeGreaterThan(10)
        expect(
          // 503 is an answer: the store's background round trip took over 2 s (its fsyncs on this machine), which /healthz must say.
          samples.every((x) => x.status === 200 || x.status === 503),
          `every /healthz answered: ${JSON.stringify(report)}`,
        ).toBe(true)
        expect(Math.max(...samples.map((x) => x.rssBytes)), `RSS bound (seed ${SEED})`).toBeLessThan(RSS_BOUND)
        expect(Math.max(...health), `no /healthz hangs (${HEALTH_HANG_MS} ms, seed ${SEED}): ${JSON.stringify(report)}`).toBeLessThan(HEALTH_HANG_MS)
        const offending = HEALTH_STRICT ? slow : serverSlow
        expect(
          offending.length,
          HEALTH_STRICT
            ? `/healthz within ${HEALTH_MS} ms on every probe (seed ${SEED}): ${JSON.stringify(report)}`
            : `no /healthz slower than ${HEALTH_MS} ms while the server's event loop used ${SERVER_CPU_MS} ms of CPU or more (seed ${SEED}): ${JSON.stringify(report)}`,
        ).toBe(0)
      },
      ATTACK_MS + 90_000,
    )
  },
)
