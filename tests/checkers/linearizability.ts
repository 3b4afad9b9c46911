/**
 * A linearizability checker for histories of concurrent operations, in the
 * style of Wing & Gong's search with Lowe's memoisation (the algorithm behind
 * Knossos and Porcupine): find an order of the operations that respects real
 * time (an operation that returned before another was called comes first) and
 * that a sequential model accepts, result by result.
 *
 * Operations whose outcome the client never learned (a timeout, a crash, a
 * lost connection) are given as `ret: undefined`: each may take effect at any
 * moment after its call, or never. The search places them with an unknown
 * result, which a model must accept whatever the op would return; since no
 * later result depends on one placed last, "never" needs no separate case.
 *
 * Histories are split by key first (P-compositionality: a history is
 * linearizable iff each key's sub-history is), which keeps the search small.
 */

/** The result an operation returned, or UNKNOWN when the client never learned it. */
export const UNKNOWN: unique symbol = Symbol('unknown result')
export type Outcome<O> = O | typeof UNKNOWN

/** A sequential specification of the object under test. */
export interface Model<S, I, O> {
  init(): S
  /**
   * The state after applying `input` to `state`, if the operation may return
   * `output` from `state` (any output when it is UNKNOWN); undefined if not.
   */
  step(state: S, input: I, output: Outcome<O>): S | undefined
  /** A canonical string of a state, for memoisation: equal states, equal keys. */
  key(state: S): string
}

/** One operation of a history. Times are any monotonic clock shared by every client. */
export interface Operation<I, O> {
  /** Who ran it (a client or process id), for reports. */
  readonly client: string | number
  readonly input: I
  /** When it was invoked. */
  readonly call: number
  /** When its result arrived; undefined when it never did (outcome unknown). */
  readonly ret: number | undefined
  /** Its result; ignored when `ret` is undefined. */
  readonly output?: O
}

export interface CheckOptions<I, O> {
  /** Splits the history into independent keys (e.g. the claimed name); one partition by default. */
  readonly partition?: (op: Operation<I, O>) => string
  /** Gives up (result `unknown`) past this many memoised states per partition. Default 2,000,000. */
  readonly maxStates?: number
}

export type CheckResult<I, O> =
  | { readonly ok: true; readonly partitions: number; readonly states: number }
  | {
      readonly ok: false
      readonly partition: string
      /** The longest prefix the search could linearize, in order. */
      readonly longestPrefix: readonly Operation<I, O>[]
      /** Operations that were candidates after that prefix, none of which the model accepted. */
      readonly stuckAt: readonly Operation<I, O>[]
    }
  | { readonly ok: 'unknown'; readonly partition: string; readonly reason: string }

interface Entry {
  readonly call: boolean
  readonly op: number
  readonly time: number
  match: Entry | undefined
  prev: Entry | undefined
  next: Entry | undefined
}

/**
 * Checks that `history` is linearizable with respect to `model`.
 *
 * @example
 * ```ts
 * const result = checkLinearizable(registerModel(0), history, { partition: (op) => op.input.key })
 * if (result.ok !== true) console.error(describeResult(result))
 * ```
 */
export function checkLinearizable<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[], options: CheckOptions<I, O> = {}): CheckResult<I, O> {
  const groups = new Map<string, Operation<I, O>[]>()
  for (const op of history) {
    if (op.ret !== undefined && op.ret < op.call) throw new RangeError(`operation of ${op.client} returns (${op.ret}) before its call (${op.call})`)
    const key = options.partition ? options.partition(op) : ''
    let g = groups.get(key)
    if (!g) groups.set(key, (g = []))
    g.push(op)
  }
  let states = 0
  for (const [key, ops] of groups) {
    const r = checkPartition(model, key, ops, options.maxStates ?? 2_000_000)
    if (r.ok !== true) return r
    states += r.states
  }
  return { ok: true, partitions: groups.size, states }
}

function checkPartition<S, I, O>(model: Model<S, I, O>, partition: string, ops: readonly Operation<I, O>[], maxStates: number): CheckResult<I, O> {
  const head = buildEntries(ops)
  const n = ops.length
  const linearized = new Uint32Array((n + 31) >>> 5)
  const seen = new Set<string>()
  const stack: { entry: Entry; state: S }[] = []
  let state = model.init()
  let entry = head.next
  let longest: number[] = []
  let stuckAt: number[] = []

  while (head.next !== undefined) {
    if (entry === undefined) throw new Error('unreachable: the list ends in a return')
    if (entry.call) {
      const op = ops[entry.op]!
      const next = model.step(state, op.input, op.ret === undefined ? UNKNOWN : (op.output as O))
      if (next !== undefined) {
        setBit(linearized, entry.op)
        const key = `${model.key(next)}#${linearized.join(',')}`
        if (!seen.has(key)) {
          seen.add(key)
          if (seen.size > maxStates) return { ok: 'unknown', partition, reason: `more than ${maxStates} states searched` }
          stack.push({ entry, state })
          state = next
          lift(entry)
          entry = head.next
          continue
        }
        clearBit(linearized, entry.op)
      }
      entry = entry.next
    } else {
      // A return whose call could not be placed: every candidate failed. Backtrack.
      if (stack.length >= longest.length) {
        longest = stack.map((s) => s.entry.op)
        stuckAt = candidates(head)
      }
      const top = stack.pop()
      if (!top) {
        return {
          ok: false,
          partition,
          longestPrefix: longest.map((i) => ops[i]!),
          stuckAt: stuckAt.map((i) => ops[i]!),
        }
      }
      state = top.state
      clearBit(linearized, top.entry.op)
      unlift(top.entry)
      entry = top.entry.next
    }
  }
  return { ok: true, partitions: 1, states: seen.size }
}

/** Calls and returns in time order as a doubly linked list behind a sentinel head. */
function buildEntries<I, O>(ops: readonly Operation<I, O>[]): Entry {
  const events: Entry[] = []
  ops.forEach((op, i) => {
    const call: Entry = { call: true, op: i, time: op.call, match: undefined, prev: undefined, next: undefined }
    // An unknown outcome may take effect at any time: its return goes after everything.
    const ret: Entry = { call: false, op: i, time: op.ret ?? Number.POSITIVE_INFINITY, match: undefined, prev: undefined, next: undefined }
    call.match = ret
    events.push(call, ret)
  })
  // At equal times calls sort first: treating a tie as overlap can only allow more orders, never report a false violation.
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? 0 : a.call ? -1 : 1))
  const head: Entry = { call: false, op: -1, time: Number.NEGATIVE_INFINITY, match: undefined, prev: undefined, next: undefined }
  let prev = head
  for (const e of events) {
    e.prev = prev
    prev.next = e
    prev = e
  }
  return head
}

/** Removes a call and its return from the list; `unlift` restores them (in reverse order of lifting). */
function lift(call: Entry): void {
  for (const e of [call, call.match!]) {
    e.prev!.next = e.next
    if (e.next) e.next.prev = e.prev
  }
}

function unlift(call: Entry): void {
  for (const e of [call.match!, call]) {
    e.prev!.next = e
    if (e.next) e.next.prev = e
  }
}

/** Calls that may come next: every call before the first return still in the list. */
function candidates(head: Entry): number[] {
  const out: number[] = []
  for (let e = head.next; e?.call; e = e.next) out.push(e.op)
  return out
}

function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5]! |= 1 << (i & 31)
}

function clearBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5]! &= ~(1 << (i & 31))
}

/** A human-readable account of a failed check, for test output. */
export function describeResult<I, O>(result: CheckResult<I, O>, show: (op: Operation<I, O>) => string = defaultShow): string {
  if (result.ok === true) return `linearizable (${result.partitions} keys, ${result.states} states searched)`
  if (result.ok === 'unknown') return `undecided for key ${JSON.stringify(result.partition)}: ${result.reason}`
  return [
    `NOT linearizable (key ${JSON.stringify(result.partition)}).`,
    `Longest order found (${result.longestPrefix.length} ops):`,
    ...result.longestPrefix.map((op) => `  ${show(op)}`),
    'after which none of these could come next:',
    ...result.stuckAt.map((op) => `  ${show(op)}`),
  ].join('\n')
}

function defaultShow<I, O>(op: Operation<I, O>): string {
  const out = op.ret === undefined ? '?' : JSON.stringify(op.output)
  return `[${op.call}, ${op.ret ?? '∞'}] ${op.client}: ${JSON.stringify(op.input)} -> ${out}`
}
