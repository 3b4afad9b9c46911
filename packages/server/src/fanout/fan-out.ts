/**
 * Delivery of one doc's events to every subscriber, wherever it runs.
 * In-process now; a Redis or NATS implementation can replace it for several
 * nodes without touching rooms or connections.
 */
export interface FanOut<T> {
  /** Starts delivering `doc`'s events to `listener`; returns the unsubscribe function. */
  subscribe(doc: string, listener: (event: T) => void): () => void
  /** Delivers `event` to every current subscriber of `doc` (the publisher included; it filters by origin). */
  publish(doc: string, event: T): void
}
