import { type ConsumerInfo, type StreamInfo, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { redactUrl } from '../redact-url.js'
import { docMatcher } from './doc-pattern.js'
import type { EngineNote, Finding } from './finding.js'

/** Options of {@link auditBus}. */
export interface BusAuditOptions {
  /** `nats://host:port` of the cluster's bus (the server's `--bus`). */
  readonly url: string
  /** JetStream streams to check, `*` matching anything (default `*weft*`: the strong ops' `KV_weft_strong`, and streams named after a `weft` prefix). */
  readonly streams?: string | undefined
  /** A consumer with more messages pending, or awaiting ack, than this is a finding (default 1000). */
  readonly maxPending?: number | undefined
  /** A stream this full (of its max_msgs or max_bytes) is a finding (default 0.9). */
  readonly fullRatio?: number | undefined
  /** Give up connecting after this long (default 3 s). */
  readonly connectTimeoutMs?: number | undefined
}

/**
 * The bus's lag ([AUDIT-8]). The cluster's delta bus is NATS core pub/sub: it
 * persists nothing and has no consumers to fall behind (a lost message is
 * re-read from the store, [BUS-1]), so for it the audit times a round trip
 * through the server (`bus-unreachable` when it cannot). What does persist
 * is JetStream (the strong operations' KV bucket, and any stream matching
 * `streams`): JetStream that does not answer (no meta leader: its servers
 * lost their quorum) is `bus-stream-unhealthy` for every stream; each
 * stream is checked for a missing leader and replicas not
 * current (`bus-stream-unhealthy`), for being near its limits
 * (`bus-stream-full`: with discard=old it drops the oldest, with discard=new
 * it refuses writes), and each of its consumers for messages pending delivery
 * or awaiting ack (`bus-consumer-lagging`).
 */
export async function auditBus(o: BusAuditOptions): Promise<{ findings: Finding[]; notes: EngineNote[] }> {
  const findings: Finding[] = []
  const notes: EngineNote[] = []
  const where = redactUrl(o.url)
  let nc: Awaited<ReturnType<typeof connect>>
  try {
    nc = await connect({ servers: o.url, name: 'weft-audit', timeout: o.connectTimeoutMs ?? 3000, maxReconnectAttempts: 0 })
  } catch (error) {
    findings.push({
      check: 'bus-unreachable',
      doc: undefined,
      message: `the bus at ${where} could not be reached: ${error instanceof Error ? error.message : String(error)}`,
      detail: { url: where },
      unrepairable: 'start the NATS server (or fix --bus), then audit again; nodes cut off from the bus re-read the store, so no data is lost meanwhile',
    })
    return { findings, notes }
  }
  try {
    const rttMs = await nc.rtt()
    notes.push({
      check: 'bus-unreachable',
      message: `NATS ${nc.info?.version ?? '?'} at ${where} answered in ${rttMs.toFixed(1)} ms; the delta bus is core pub/sub (nothing persisted, no consumer to lag)`,
    })
    const matches = docMatcher(o.streams ?? '*weft*')
    let streams = 0
    let consumers = 0
    try {
      const jsm = await jetstreamManager(nc, { timeout: 3000 })
      // The stream listing answers an empty page when JetStream has no meta leader: ask the account first, which fails then.
      await jsm.getAccountInfo()
      for await (const si of jsm.streams.list()) {
        if (!matches(si.config.name)) continue
        streams++
        findings.push(...streamFindings(si, o.fullRatio ?? 0.9))
        for await (const ci of jsm.consumers.list(si.config.name)) {
          consumers++
          const f = consumerFinding(si.config.name, ci, o.maxPending ?? 1000)
          if (f) findings.push(f)
        }
      }
    } catch (error) {
      if (error instanceof Error && error.name === 'JetStreamNotEnabled') {
        notes.push({ check: 'bus-stream-unhealthy', message: 'JetStream is not enabled on this NATS server: no streams to check' })
        return { findings, notes }
      }
      // A timeout or 503 of its API: no meta leader (a majority of its servers down, or electing one).
      const reason = error instanceof Error ? error.message : String(error)
      findings.push({
        check: 'bus-stream-unhealthy',
        doc: undefined,
        message: `JetStream at ${where} did not answer (${reason}): with no meta leader (its servers lost their quorum) no stream can be listed, created or changed, and a stream without its leader takes no writes`,
        detail: { url: where, stream: '*', error: reason },
        unrepairable: 'bring back the NATS servers that are down (a majority of the JetStream cluster): it elects its leaders again by itself',
      })
      return { findings, notes }
    }
    notes.push({
      check: 'bus-consumer-lagging',
      message: `${streams} JetStream stream(s) matching '${o.streams ?? '*weft*'}' with ${consumers} consumer(s) checked`,
    })
  } finally {
    await nc.close()
  }
  return { findings, notes }
}

function streamFindings(si: StreamInfo, fullRatio: number): Finding[] {
  const name = si.config.name
  const out: Finding[] = []
  const c = si.cluster
  if (c && (c.leader === undefined || c.leader === '' || c.replicas?.some((r) => !r.current || r.offline))) {
    const behind = (c.replicas ?? []).filter((r) => !r.current || r.offline)
    out.push({
      check: 'bus-stream-unhealthy',
      doc: undefined,
      message:
        c.leader === undefined || c.leader === ''
          ? `stream '${name}' has no leader: writes to it fail until one is elected`
          : `stream '${name}': replica(s) ${behind.map((r) => `${r.name} (${replicaState(r)})`).join(', ')} not current`,
      detail: { stream: name, leader: c.leader ?? null, replicas: c.replicas ?? [] },
      unrepairable: 'look at the NATS servers named: a replica catches up by itself once it is back and reachable',
    })
  }
  const full = (n: number, max: number) => max > 0 && n >= max * fullRatio
  const { messages, bytes } = si.state
  const { max_msgs: maxMsgs, max_bytes: maxBytes, discard } = si.config
  if (full(messages, maxMsgs) || full(bytes, maxBytes)) {
    out.push({
      check: 'bus-stream-full',
      doc: undefined,
      message: `stream '${name}' holds ${messages} message(s) of ${maxMsgs > 0 ? maxMsgs : 'unlimited'} and ${bytes} B of ${maxBytes > 0 ? `${maxBytes} B` : 'unlimited'}: ${discard === 'new' ? 'new writes are refused' : 'the oldest are dropped'} when full`,
      detail: { stream: name, messages, maxMsgs, bytes, maxBytes, discard },
      unrepairable: `raise the stream's limits (nats stream edit ${name}) or find why its messages are not consumed`,
    })
  }
  return out
}

function consumerFinding(stream: string, ci: ConsumerInfo, maxPending: number): Finding | undefined {
  if (ci.num_pending <= maxPending && ci.num_ack_pending <= maxPending) return undefined
  return {
    check: 'bus-consumer-lagging',
    doc: undefined,
    message: `consumer '${ci.name}' of stream '${stream}' has ${ci.num_pending} message(s) pending delivery and ${ci.num_ack_pending} awaiting ack (more than ${maxPending})`,
    detail: { stream, consumer: ci.name, numPending: ci.num_pending, numAckPending: ci.num_ack_pending, numRedelivered: ci.num_redelivered },
    unrepairable: 'its reader is stopped or slower than the writers: start it (or more of them), or delete the consumer if nobody reads it any more',
  }
}

/** A replica not current: offline once its leader has given up on it; before that, how far behind, or how long unheard of (a server just killed has no lag to report). */
function replicaState(r: { readonly offline?: boolean; readonly lag?: number; readonly active: number }): string {
  if (r.offline) return 'offline'
  if (r.lag !== undefined) return `${r.lag} op(s) behind`
  return `last heard from ${(r.active / 1e9).toFixed(1)} s ago`
}
