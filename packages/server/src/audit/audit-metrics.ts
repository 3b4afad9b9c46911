import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Metrics of the continuous auditor, on the server's registry. */
export interface AuditMetrics {
  /** Findings first seen, by check (each logged once). */
  readonly findingsFound: Counter<'check'>
  /** Findings standing now (seen in the doc's latest audit), by check. */
  readonly findingsOpen: Gauge<'check'>
  readonly docsAudited: Counter
  /** Seconds to read and check one doc. */
  readonly docSeconds: Histogram
  /** Seconds one full pass over every doc took. */
  readonly passSeconds: Gauge
}

export function createAuditMetrics(registry: Registry): AuditMetrics {
  const registers = [registry]
  return {
    findingsFound: new Counter({ name: 'weft_audit_findings_total', help: 'Audit findings first seen, by check', labelNames: ['check'] as const, registers }),
    findingsOpen: new Gauge({ name: 'weft_audit_findings_open', help: 'Audit findings standing now, by check', labelNames: ['check'] as const, registers }),
    docsAudited: new Counter({ name: 'weft_audit_docs_total', help: 'Docs audited by the continuous auditor', registers }),
    docSeconds: new Histogram({
      name: 'weft_audit_doc_seconds',
      help: 'Time to read and check one doc',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
      registers,
    }),
    passSeconds: new Gauge({ name: 'weft_audit_pass_seconds', help: 'Duration of the last full pass over every doc', registers }),
  }
}
