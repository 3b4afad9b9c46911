import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The server's Prometheus metrics, on a registry of its own (never the global one). */
export interface ServerMetrics {
  readonly registry: Registry
  readonly connections: Gauge
  readonly connectionsTotal: Counter
  readonly docsLoaded: Gauge
  readonly deltasIn: Counter
  readonly deltasOut: Counter
  readonly bytesIn: Counter
  readonly bytesOut: Counter
  /** Seconds from a delta's arrival to its ack being sent (includes the durable commit). */
  readonly ackLatency: Histogram
  readonly divergencesHealed: Counter
  readonly errors: Counter<'code'>
  readonly storeBatchSize: Histogram
  readonly compactions: Counter
  /** Committed deltas this node told the other nodes about. */
  readonly busPublished: Counter
  /** Deltas other nodes committed that reached this node over the bus (duplicates not counted). */
  readonly busReceived: Counter
  /** Seconds from another node publishing a delta to this node receiving it. */
  readonly busLag: Histogram
  /** Re-reads of a doc from the store because the bus may have lost something, by reason. */
  readonly busRereads: Counter<'reason'>
  /** 1 while the bus is connected. */
  readonly busConnected: Gauge
  /** Live nodes in this node's view. */
  readonly clusterNodes: Gauge
  /** Docs in memory here that this node owns (does the compaction of). */
  readonly ownedDocs: Gauge
  /** Compaction leases this node took at a new epoch (first taken, or taken over). */
  readonly leaseMoves: Counter
}

/** Creates a fresh registry with Weft's metrics (and Node's process metrics). */
export function createMetrics(): ServerMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  return {
    registry,
    connections: new Gauge({ name: 'weft_connections', help: 'Open WebSocket connections', registers }),
    connectionsTotal: new Counter({ name: 'weft_connections_total', help: 'WebSocket connections accepted', registers }),
    docsLoaded: new Gauge({ name: 'weft_docs_loaded', help: 'Docs held in memory', registers }),
    deltasIn: new Counter({ name: 'weft_deltas_in_total', help: 'Deltas received from clients', registers }),
    deltasOut: new Counter({ name: 'weft_deltas_out_total', help: 'Deltas sent to clients', registers }),
    bytesIn: new Counter({ name: 'weft_bytes_in_total', help: 'WebSocket bytes received', registers }),
    bytesOut: new Counter({ name: 'weft_bytes_out_total', help: 'WebSocket bytes sent', registers }),
    ackLatency: new Histogram({
      name: 'weft_ack_latency_seconds',
      help: 'Time from receiving a delta to sending its ack (after the durable commit)',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    divergencesHealed: new Counter({ name: 'weft_divergences_healed_total', help: 'Digest divergences healed by a full state exchange', registers }),
    errors: new Counter({ name: 'weft_errors_total', help: 'Errors by code', labelNames: ['code'] as const, registers }),
    storeBatchSize: new Histogram({
      name: 'weft_store_batch_size',
      help: 'Appends committed per store transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    }),
    compactions: new Counter({ name: 'weft_compactions_total', help: 'Doc logs folded into a snapshot', registers }),
    busPublished: new Counter({ name: 'weft_bus_published_total', help: 'Committed deltas published to the other nodes', registers }),
    busReceived: new Counter({ name: 'weft_bus_received_total', help: 'Deltas committed by other nodes received over the bus', registers }),
    busLag: new Histogram({
      name: 'weft_bus_lag_seconds',
      help: 'Time from another node publishing a delta to this node receiving it',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers,
    }),
    busRereads: new Counter({
      name: 'weft_bus_rereads_total',
      help: 'Docs re-read from the store because the bus may have lost a delta (gap, beat, sweep, resumed)',
      labelNames: ['reason'] as const,
      registers,
    }),
    busConnected: new Gauge({ name: 'weft_bus_connected', help: '1 while the bus between nodes is connected', registers }),
    clusterNodes: new Gauge({ name: 'weft_cluster_nodes', help: 'Live server nodes in this node view', registers }),
    ownedDocs: new Gauge({ name: 'weft_owned_docs', help: 'Docs in memory that this node owns', registers }),
    leaseMoves: new Counter({ name: 'weft_lease_moves_total', help: 'Compaction leases taken at a new epoch', registers }),
  }
}
