/** One simulated user on one doc, the same shape for every system under test. */
export interface BenchClient {
  /** Type one edit: append `chars` to text `t` and set map `m`[key] = seq, in one transaction. */
  edit(key: string, seq: number, chars?: string): void
  /** The latest seq seen under `key` in map `m` (local or remote). */
  read(key: string): number | undefined
  /** Called after every remote change. */
  onRemoteChange(fn: () => void): void
  textLength(): number
  /** Opaque marker of what this replica has seen (a state or version vector). */
  stateMarker(): unknown
  /** Encoded size, in the system's own update format, of what this replica has beyond `marker`. */
  encodedSizeSince(marker: unknown): number
  /** Bytes received on this client's socket(s) so far. */
  readonly bytesIn: number
  /** Resolves when every local edit so far is acknowledged by the server (or at once if the protocol has no acks). */
  whenAcked(): Promise<void>
  /** Drop the connection, keeping the local replica. */
  disconnect(): Promise<void>
  /** Reconnect with the local replica and resolve once synced. */
  reconnect(): Promise<void>
  close(): Promise<void>
}

/** Open a client on `docId` and resolve once its first sync finished. */
export type ConnectClient = (url: string, docId: string) => Promise<BenchClient>

/** Rejects after `ms` with a message naming what timed out. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
