/**
 * Fairness for strong ops across regions ([STRONG-FAIR-1]): a weft node runs
 * each op where the bucket's stream leader is, by handing it over NATS to a
 * weft node connected to the leader's JetStream server, which runs it there.
 *
 * Why. An op is optimistic (read the stream's last sequence and the key,
 * then a conditional write). From a region a WAN away from the leader, that
 * read-to-write window is several WAN round trips; from the leader's region,
 * a fraction of a millisecond. Under continuous writes from the leader's
 * region, a far op lost every race, retried and gave up ('contention'): in a
 * run with one client per region on one counter, the two far regions decided
 * nothing for a minute. Run near the leader, every op has the same short
 * window, and the node running them queues them (one decide at a time), so
 * they are decided in arrival order instead of raced.
 *
 * Safety is the conditional write's, as before: a forwarded op is decided by
 * the same read-and-conditional-write, inside the caller's request, so it is
 * linearizable at one instant between the call and its answer. An op whose
 * answer does not come back in time may have run: outcome unknown, never
 * retried. When no weft node serves the leader's server (NATS says "no
 * responders"), nothing was sent to anyone, and the op runs locally.
 */
import { type StrongFailure, type StrongRequest, type StrongResult, strongFailureError } from '@weft/crdt-core'
import { type NatsConnection, NoRespondersError, RequestError, type Subscription, TimeoutError } from '@nats-io/transport-node'
import { WeftOutcomeUnknownError } from './strong-errors.js'
import { strongFailureOf } from './run-strong-request.js'

/** A forwarded op: the request, and how long the caller waits for its answer (ms). */
interface ForwardedOp {
  readonly request: StrongRequest
  readonly budgetMs: number
}

/** The answer: the result or the failure, and the leader as the node that ran it last saw it. */
type ForwardedAnswer =
  | { readonly result: StrongResult; readonly leader?: string | undefined }
  | { readonly failure: StrongFailure; readonly leader?: string | undefined }

/** The subject where weft nodes connected to JetStream server `server` take `bucket`'s ops. */
export function forwardSubject(bucket: string, server: string): string {
  return `weft.strong.${bucket}.${server.replace(/[^A-Za-z0-9_-]/g, '_')}`
}

/** Hands `request` to a weft node at the leader; undefined when none serves it (run it locally). */
export async function forwardToLeader(
  nc: NatsConnection,
  subject: string,
  request: StrongRequest,
  timeoutMs: number,
): Promise<{ result: StrongResult; leader: string | undefined } | undefined> {
  let reply: ForwardedAnswer
  try {
    // Half a second of the budget is for the way back: past it the caller has given up anyway.
    const msg = await nc.request(subject, JSON.stringify({ request, budgetMs: Math.max(0, timeoutMs - 500) } satisfies ForwardedOp), { timeout: timeoutMs })
    reply = msg.json<ForwardedAnswer>()
  } catch (e) {
    if (isNoResponders(e)) return undefined
    if (e instanceof TimeoutError || isTimeout(e)) {
      throw new WeftOutcomeUnknownError('timeout', 'the weft node at the strong-ops leader did not answer in time', { cause: e })
    }
    throw new WeftOutcomeUnknownError('connection-lost', `forwarding to the strong-ops leader failed after it was sent (${describe(e)})`, { cause: e })
  }
  if ('failure' in reply) throw strongFailureError(reply.failure, 'the weft node at the strong-ops leader')
  return { result: reply.result, leader: reply.leader }
}

/**
 * Takes ops forwarded to `subject` and answers each with what `run` decided.
 * Queue group: when several weft nodes share the leader's server, one of
 * them takes each op.
 */
export function serveForwardedOps(
  nc: NatsConnection,
  subject: string,
  run: (request: StrongRequest, budgetMs: number) => Promise<StrongResult>,
  leader: () => string | undefined,
): Subscription {
  return nc.subscribe(subject, {
    queue: 'weft-strong',
    callback: (error, msg) => {
      if (error) return
      let op: ForwardedOp
      try {
        op = msg.json<ForwardedOp>()
      } catch {
        return // not ours to answer; the caller times out (outcome unknown, nothing ran)
      }
      // Through a promise, so that a request that fails its checks synchronously is answered too.
      Promise.resolve()
        .then(() => run(op.request, op.budgetMs))
        .then(
          (result) => msg.respond(JSON.stringify({ result, leader: leader() } satisfies ForwardedAnswer)),
          (e: unknown) => msg.respond(JSON.stringify({ failure: strongFailureOf(e), leader: leader() } satisfies ForwardedAnswer)),
        )
    },
  })
}

function isNoResponders(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    if (c instanceof NoRespondersError || (c instanceof RequestError && c.isNoResponders())) return true
  }
  return false
}

function isTimeout(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) if (c instanceof TimeoutError) return true
  return false
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message || e.name : String(e)
}
