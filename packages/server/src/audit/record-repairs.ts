import type { FindingsStore } from '../store/findings-store.js'
import type { RepairOutcome } from './repair.js'

/** Records each repair that was carried out (kind 'repair', closed at once) [AUDIT-5]; failed ones stay findings. */
export async function recordRepairs(findings: FindingsStore, node: string, outcomes: readonly RepairOutcome[]): Promise<void> {
  for (const o of outcomes) {
    if (!o.ok || o.action === 'none') continue
    const at = Date.now()
    await findings.recordFinding({
      kind: 'repair',
      check: o.check,
      doc: o.doc,
      key: `${o.action}@${at}:${o.note}`,
      message: `${o.action}: ${o.note}`,
      node,
      repairable: false,
      at,
      resolvedAt: at,
    })
  }
}
